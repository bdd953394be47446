from django.db import models


class DemoLoad(models.Model):
    """Marks the demo data as loaded: `load_demo` checks for this row before doing anything,
    and `load_demo --reset` deletes it with the demo rows."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300)
    products = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    order_lines = models.PositiveIntegerField(default=0)
    seconds = models.DecimalField(max_digits=8, decimal_places=2, default=0)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self):
        return f"Demo data loaded {self.loaded_at:%Y-%m-%d %H:%M} ({self.orders} orders)"
