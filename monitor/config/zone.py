"""The monitor's time zone: the watched sites publish in China's time, and every date the
reviewer reads (digest days, schedules, times shown) is in it."""

from zoneinfo import ZoneInfo

ZONE_NAME = "Asia/Shanghai"
TZ = ZoneInfo(ZONE_NAME)
