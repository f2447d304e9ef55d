"""Digital inclusion: digital-skills courses and sessions, and residents' help requests to
digital ambassadors (Singapore's Digital for Life)."""
