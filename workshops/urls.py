app_name = "workshops"

urlpatterns: list = [
    # ateliers/, rejoindre/, ateliers/<slug>/ come with the live workshop rooms.
]
