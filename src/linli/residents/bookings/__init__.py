"""Facility bookings: halls, courts, rooms and BBQ pits booked by residents under each
facility's rules, with a waitlist, check-in, no-shows and fees staff record."""
