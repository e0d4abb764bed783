app_name = "recommend"
urlpatterns = []
