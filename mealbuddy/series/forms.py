"""Page forms of recurring orders: they parse types; the services check the rules."""

from __future__ import annotations

from django import forms

from mealbuddy.core.forms import NamedErrorsMixin
from mealbuddy.groupbuys.forms import GroupOrderForm
from mealbuddy.series.models import MAX_INTERVAL_DAYS, WEEKDAY_NAMES, Series
from mealbuddy.series.schedule import weekdays_list
from mealbuddy.series.services import TEMPLATE_FIELDS

OPEN_BEFORE_CHOICES = [
    (60, "1시간 전"),
    (120, "2시간 전"),
    (180, "3시간 전"),
    (360, "6시간 전"),
    (720, "12시간 전"),
    (1440, "하루 전"),
]


class SeriesForm(NamedErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label="반복",
        choices=[(Series.Kind.WEEKLY, "매주 정한 요일에"), (Series.Kind.EVERY_N_DAYS, "며칠마다")],
        initial=Series.Kind.WEEKLY,
        widget=forms.RadioSelect,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="요일",
        coerce=int,
        required=False,
        choices=list(enumerate(WEEKDAY_NAMES)),
        widget=forms.CheckboxSelectMultiple,
        help_text="'매주'일 때 모집할 요일",
    )
    interval_days = forms.IntegerField(
        label="며칠마다",
        required=False,
        min_value=1,
        max_value=MAX_INTERVAL_DAYS,
        help_text="'며칠마다'일 때: 이 주문 날부터 며칠 간격으로 열지",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    deadline_time = forms.TimeField(
        label="마감 시각 (한국 시각)",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    open_before = forms.TypedChoiceField(
        label="모집 여는 때",
        coerce=int,
        choices=OPEN_BEFORE_CHOICES,
        initial=180,
        help_text="마감 몇 시간 전에 자동으로 모집글을 열지",
    )


class SubscribeForm(NamedErrorsMixin, forms.Form):
    spending_cap = forms.IntegerField(
        label="내 한도 (원)",
        required=False,
        min_value=0,
        help_text="내 부담액이 이보다 크면 참여하지 않고 알려 드려요. 비워 두면 한도 없음.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 1000}),
    )
    use_points = forms.BooleanField(label="포인트 먼저 쓰기", required=False)


class SeriesEditForm(GroupOrderForm, SeriesForm):
    """The host's edit page: the order template (the order form's fields, less the one-off
    deadline) and the schedule. Types only; ``series_update`` (the API PATCH's service)
    checks the rules."""

    deadline = None
    start_date = forms.DateField(
        label="시작일",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="'며칠마다'일 때 이 날부터 간격을 세요",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("deadline", None)
        current = self.initial.get("open_before")
        field = self.fields["open_before"]
        if current is not None and current not in dict(field.choices):
            # A value the API set outside the page's choices stays selectable as it is.
            field.choices = sorted([*field.choices, (current, f"{current}분 전")])

    @classmethod
    def initial_for(cls, series: Series) -> dict:
        return {
            **{name: getattr(series, name) for name in TEMPLATE_FIELDS},
            "kind": series.kind,
            "weekdays": weekdays_list(series.weekdays),
            "interval_days": series.interval_days,
            "start_date": series.start_date,
            "deadline_time": series.deadline_time,
            "open_before": series.open_before,
        }

    def service_data(self) -> dict:
        """What ``series_update`` takes: the template fields, and the schedule of the
        chosen kind (weekdays for weekly, interval and start for every N days)."""
        data = super().service_data()
        if data["kind"] == Series.Kind.WEEKLY:
            data.pop("interval_days", None)
            data.pop("start_date", None)
        else:
            data.pop("weekdays", None)
            if data.get("start_date") is None:
                data.pop("start_date", None)
        return data
