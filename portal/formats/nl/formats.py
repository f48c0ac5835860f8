"""Dutch dates as Dutch writes them: month abbreviations in lower case ("3 dec 2026"), 24-hour time.

Pages format dates through these names (`|date:"DATE_FORMAT"`), so each language gets its own."""

DATE_FORMAT = "j b Y"
DATETIME_FORMAT = "j b Y H:i"
MONTH_DAY_FORMAT = "j b"
