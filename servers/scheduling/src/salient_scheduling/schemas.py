"""What the scheduling tools return: pydantic models, so clients get output schemas and structured content.

Every instant is an ISO 8601 string with its offset: UTC fields end in `Z`, local fields carry the zone's
offset at that instant (which differs on either side of a daylight-saving change).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from salient_core.pagination import Page

Status = Literal["confirmed", "cancelled", "rescheduled", "completed", "no_show"]
Distribution = Literal["round_robin", "least_loaded"]


class CurrentTime(BaseModel):
    time_zone: str
    now: datetime = Field(description="Local time with its UTC offset.")
    now_utc: datetime
    utc_offset: str = Field(description="e.g. +10:00.")
    weekday: str
    is_dst: bool = Field(description="True while daylight-saving time is in effect in this zone.")


class MeetingTypeOut(BaseModel):
    id: str
    title: str
    duration_minutes: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int = Field(description="How far ahead it can be booked.")
    location: str


class MeetingTypeList(BaseModel):
    items: list[MeetingTypeOut]


class WorkingPeriod(BaseModel):
    day: str = Field(description="mon..sun")
    start: str = Field(description="Local wall-clock time, HH:MM.")
    end: str


class CalendarOut(BaseModel):
    id: str = Field(description="The rep's id; pass as `rep` to find_availability and book_meeting.")
    name: str
    email: str
    role: str
    time_zone: str
    working_hours: list[WorkingPeriod]
    teams: list[str]
    territories: list[str]
    provider: str = Field(description="Where the calendar lives: local or nylas.")
    provider_calendar: str | None = Field(default=None, description="The provider's calendar id.")


class CalendarList(BaseModel):
    items: list[CalendarOut]
    teams: dict[str, list[str]] = Field(description="Team id -> rep ids; pass a team id as `team`.")
    territories: dict[str, str] = Field(
        description="Territory id -> the team that takes its meetings; pass a territory id as `territory`."
    )


class Slot(BaseModel):
    start: datetime = Field(description="UTC; pass unchanged to book_meeting.")
    end: datetime
    start_local: datetime = Field(description="Start in the attendee's time zone.")
    end_local: datetime
    rep: str = Field(description="Rep id to pass to book_meeting.")
    rep_name: str
    rep_start_local: datetime = Field(description="Start in the rep's own time zone.")


class AvailabilityResult(BaseModel):
    meeting_type: str
    time_zone: str = Field(description="The attendee's zone used for the local times.")
    window_start: datetime
    window_end: datetime
    slots: list[Slot]
    truncated: bool = Field(description="True when more slots exist; narrow the window or raise max_slots.")
    message: str


class Attendee(BaseModel):
    name: str
    email: str
    time_zone: str


class RepRef(BaseModel):
    id: str
    name: str
    email: str
    time_zone: str


class BookingOut(BaseModel):
    id: str
    status: Status
    meeting_type: str
    title: str
    start: datetime = Field(description="UTC.")
    end: datetime
    start_local: datetime = Field(description="In the attendee's time zone.")
    end_local: datetime
    rep_start_local: datetime = Field(description="In the rep's time zone.")
    rep: RepRef
    attendee: Attendee
    location: str
    notes: str
    rescheduled_from: str | None = None
    rescheduled_to: str | None = None
    created_at: datetime
    ics_uri: str = Field(description="Resource with the .ics invite.")


class BookingResult(BaseModel):
    booking: BookingOut
    applied: bool = Field(description="False for dry runs and replays: nothing changed in this call.")
    replayed: bool = Field(description="True when the idempotency key matched an earlier booking.")
    message: str
    ics: str | None = Field(default=None, description="The iCalendar invite (text/calendar).")


BookingPage = Page[BookingOut]
