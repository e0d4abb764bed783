from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from mealbuddy.jobs.selectors import periodic_last_runs, task_counts

STATE_LABELS = {
    "READY": "대기",
    "RUNNING": "실행 중",
    "SUCCESSFUL": "성공",
    "FAILED": "실패",
    "UNKNOWN": "기록 없음",
    "": "실행 전",
}


class Command(BaseCommand):
    help = "작업 큐의 상태별 개수와 주기 작업마다 마지막 실행을 보여 줘요."

    def handle(self, *args, **options):
        counts = task_counts()
        self.stdout.write("작업 상태별 개수")
        for state, count in counts.items():
            self.stdout.write(f"  {state:<11}{STATE_LABELS[state]:<6}{count:>8}")
        self.stdout.write("")
        self.stdout.write("주기 작업 (마지막 실행)")
        for run in periodic_last_runs():
            tick = timezone.localtime(run.tick).strftime("%Y-%m-%d %H:%M") if run.tick else "-"
            finished = (
                timezone.localtime(run.finished_at).strftime("%H:%M:%S") if run.finished_at else "-"
            )
            self.stdout.write(
                f"  {run.name:<28}{run.every_minutes:>4}분마다  틱 {tick}  "
                f"{run.status or '-':<11}{STATE_LABELS[run.status]:<6} 끝남 {finished}"
            )
