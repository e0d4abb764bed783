app_name = "groupbuys"
urlpatterns = []
