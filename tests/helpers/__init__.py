"""Plain helpers shared by several test modules (functions, constants, small classes), one module
per topic. Shared fixtures live in tests/conftest.py. Test modules import from here or from
conftest, never from another test module (tests/test_import_graph.py checks it)."""
