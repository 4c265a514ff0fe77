/* serialtrack scan stations.
 *
 * A barcode scanner types the serial and presses Enter, often faster than a round trip. Each
 * scan is taken from the input at once (the input is cleared for the next one) and queued; the
 * queue posts them one by one, in order, and htmx swaps each answer in: the verdict next to the
 * input, the counter, the list. A refused scan is red, announced (role=alert) and sounds a low
 * double buzz; an accepted one a short high beep. */
(function () {
  "use strict";

  let audio = null;
  function ensureAudio() {
    if (!audio) {
      const Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return null;
      try { audio = new Ctx(); } catch (e) { return null; }
    }
    if (audio.state === "suspended") audio.resume();
    return audio;
  }
  function tone(freq, start, length, type, gain) {
    const ctx = ensureAudio();
    if (!ctx) return;
    const osc = ctx.createOscillator();
    const vol = ctx.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    vol.gain.value = gain;
    osc.connect(vol).connect(ctx.destination);
    const t = ctx.currentTime + start;
    osc.start(t);
    osc.stop(t + length);
  }
  function soundFor(verdict) {
    if (verdict === "refused") {
      tone(180, 0, 0.18, "square", 0.25);
      tone(140, 0.22, 0.3, "square", 0.25);
    } else if (verdict === "accepted") {
      tone(1320, 0, 0.07, "sine", 0.15);
    }
  }
  window.serialtrackSound = soundFor;
  // Browsers start audio only after a user gesture: a key press (the scanner's) is one.
  document.addEventListener("keydown", ensureAudio, { once: true });
  document.addEventListener("pointerdown", ensureAudio, { once: true });

  function afterVerdict(box) {
    const v = box && box.querySelector("[data-verdict]");
    if (!v) return;
    const kind = v.getAttribute("data-verdict");
    window.serialtrackSound(kind);
    document.body.classList.toggle("flash-refused", kind === "refused");
  }

  function csrfToken(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // A scanner in keyboard mode types the GS1 separator (GS, ASCII 29) as Ctrl+], which a
  // browser would drop: put the character itself into the field, so element strings keep their
  // separators (README: "Scanners at the web stations").
  function keepGroupSeparator(event, field) {
    if (event.ctrlKey && !event.altKey && (event.code === "BracketRight" || event.key === "]")) {
      event.preventDefault();
      field.setRangeText("\u001d", field.selectionStart, field.selectionEnd, "end");
    }
  }

  function setupScanForm(form) {
    const input = form.querySelector("#scan-input");
    const verdictBox = document.getElementById("verdict");
    const queue = [];
    let busy = false;

    async function pump() {
      if (busy) return;
      busy = true;
      document.body.dataset.scansPending = String(queue.length);
      while (queue.length) {
        const body = queue.shift();
        try {
          const response = await fetch(form.action, {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "HX-Request": "true", "X-CSRFToken": csrfToken(form) },
          });
          const redirect = response.headers.get("HX-Redirect");
          if (redirect) { window.location.href = redirect; return; }
          if (response.status === 204) continue;
          const html = await response.text();
          if (response.ok) {
            htmx.swap(verdictBox, html, { swapStyle: "innerHTML" });
          } else {
            verdictBox.innerHTML = "";
            const div = document.createElement("div");
            div.className = "verdict refused";
            div.setAttribute("role", "alert");
            div.setAttribute("data-verdict", "refused");
            div.textContent = "Not saved: the server answered " + response.status + " " + response.statusText;
            verdictBox.appendChild(div);
          }
          afterVerdict(verdictBox);
        } catch (err) {
          verdictBox.innerHTML = '<div class="verdict refused" role="alert" data-verdict="refused">' +
            "Not saved: no connection to the server. Scan it again.</div>";
          afterVerdict(verdictBox);
        }
        document.body.dataset.scansPending = String(queue.length);
      }
      busy = false;
      document.body.dataset.scansPending = "0";
    }

    // A draft of paired serials: our serial, Enter, then the maker's serial, Enter sends both.
    const maker = form.querySelector("#maker-input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!input.value.trim()) { if (maker && maker.value.trim()) input.focus(); return; }
      if (maker && !maker.value.trim()) { maker.focus(); return; }
      const body = new FormData(form);
      input.value = "";
      if (maker) maker.value = "";
      input.focus();
      queue.push(body);
      pump();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") input.value = "";
      keepGroupSeparator(event, input);
    });
    if (maker) {
      maker.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { maker.value = ""; input.focus(); }
        keepGroupSeparator(event, maker);
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("[data-scan-form]");
    if (form) setupScanForm(form);
    // A field whose Enter presses a given button (a label scanned into a form fills the form
    // instead of posting it); GS typed as Ctrl+] kept as in the scan stations.
    document.querySelectorAll("[data-enter-clicks]").forEach(function (field) {
      field.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          document.getElementById(field.dataset.enterClicks).click();
        } else {
          keepGroupSeparator(event, field);
        }
      });
    });
    if (window.htmx) {
      // After removing a scan, the scanner's input gets the focus back.
      document.body.addEventListener("htmx:afterRequest", function (event) {
        const config = event.detail && event.detail.requestConfig;
        const from = config && config.elt;
        const input = document.getElementById("scan-input");
        if (input && from && from.classList && from.classList.contains("remove-form")) input.focus();
      });
      document.body.addEventListener("htmx:responseError", function (event) {
        const box = document.getElementById("verdict") || document.getElementById("main");
        const xhr = event.detail.xhr;
        const div = document.createElement("div");
        div.className = "verdict refused";
        div.setAttribute("role", "alert");
        div.setAttribute("data-verdict", "refused");
        div.textContent = "Refused: the server answered " + xhr.status + " " + xhr.statusText;
        box.prepend(div);
        afterVerdict(box);
      });
    }
  });
})();
