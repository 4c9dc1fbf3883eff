from django.urls import path

from dialoq.feedback import public_views, views

app_name = "feedback"
urlpatterns = [
    # Public: the beneficiary's pages, reached through a one-time link.
    path("goals/<str:token>/", public_views.goal_rating, name="goal_rating"),
    path("survey/<str:token>/", public_views.survey, name="survey"),
    path("thanks/", public_views.thanks, name="thanks"),
    # Staff: hand out links, read aggregates.
    path(
        "cases/<int:case_pk>/reviews/<int:review_pk>/goal-rating-link/",
        views.create_goal_rating_link,
        name="create_goal_rating_link",
    ),
    path(
        "cases/<int:case_pk>/survey-link/",
        views.create_survey_link,
        name="create_survey_link",
    ),
    path("survey-results/", views.survey_results_page, name="survey_results"),
]
