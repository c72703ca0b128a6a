from django.urls import path

app_name = "reps"
urlpatterns: list = []
