from django.core.management.base import BaseCommand

from mealbuddy.notifications.services import notify_deadlines


class Command(BaseCommand):
    help = (
        "마감 10분 전인 모집의 참여자에게 알림을 보내요 (주문·사용자마다 한 번). 매분 실행하세요."
    )

    def handle(self, *args, **options):
        sent = notify_deadlines()
        self.stdout.write(f"{sent}개의 마감 임박 알림을 보냈어요.")
