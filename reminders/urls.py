from django.urls import path

app_name = "reminders"
urlpatterns: list = []
