"""bouncy's URL: the SNS webhook at /mail/bouncy/."""

app_name = "bouncy"
urlpatterns: list = []
