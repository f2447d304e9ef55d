"""Volunteers: profiles, skills and qualifications, availability, matching to needs,
programmes and shifts, hours and recognition."""
