"""One-time codes for signing in and adding a phone, and the limits on asking and trying."""
