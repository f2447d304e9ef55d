"""The reporter's say on a fix (confirm, refuse, rate) and the figures of how units handle cases."""
