from django.contrib import admin

from decisions.models import Indicator, Measurement


class MeasurementInline(admin.TabularInline):
    model = Measurement
    extra = 0
    raw_id_fields = ["entered_by"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "baseline_value", "target_2030", "direction"]
    list_filter = ["kind", "axis"]
    inlines = [MeasurementInline]
