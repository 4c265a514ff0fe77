"""Users are Django's; a user's role is its one group (viewer < clerk < manager < admin)."""
