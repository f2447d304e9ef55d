"""Acting for a senior on their recorded, revocable consent."""
