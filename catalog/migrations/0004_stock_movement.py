"""The stock ledger. Products that already hold stock get one opening movement each, so
every product's movements sum to its stock from here on."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# Movements per INSERT: a few thousand products go in a handful of statements.
OPENING_BATCH = 1000


def opening_balances(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    StockMovement = apps.get_model("catalog", "StockMovement")
    stocked = Product.objects.filter(stock__gt=0).values_list("pk", "stock").order_by("pk")
    StockMovement.objects.bulk_create(
        (
            StockMovement(
                product_id=pk, delta=stock, kind="adjustment", note="Stock when the ledger began", stock_after=stock
            )
            for pk, stock in stocked.iterator(chunk_size=OPENING_BATCH)
        ),
        batch_size=OPENING_BATCH,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_product_rating'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('delta', models.IntegerField(help_text='Units added (positive) or taken (negative).')),
                ('kind', models.CharField(choices=[('sale', 'Sale'), ('cancellation', 'Order cancelled'), ('expiry', 'Order not paid in time'), ('return', 'Returned by a customer'), ('adjustment', 'Adjustment by staff'), ('demo', 'Demo data')], max_length=20)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('order_number', models.CharField(blank=True, db_index=True, max_length=20, verbose_name='order')),
                ('stock_after', models.PositiveIntegerField(verbose_name='stock after')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stock_movements', to='catalog.product')),
                ('staff', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['product', '-created_at', '-id'], name='stock_movement_newest')],
                'constraints': [models.CheckConstraint(condition=models.Q(('delta', 0), _negated=True), name='stock_movement_not_zero')],
            },
        ),
        migrations.RunPython(opening_balances, migrations.RunPython.noop),
    ]
