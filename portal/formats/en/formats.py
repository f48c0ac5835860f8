"""English dates for the portal: "3 Dec 2026", 24-hour time, as the Dutch pages (day before month)."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
MONTH_DAY_FORMAT = "j M"
