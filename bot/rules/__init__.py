"""The domain rules: pure functions of the timetable, the records and the clock; no I/O."""
