"""Gender and ethnicity as codes (0007 mapped the free text to them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_map_free_text_demographics_and_areas")]

    operations = [
        migrations.AlterField(
            model_name="child",
            name="ethnicity",
            field=models.CharField(
                choices=[
                    ("asian_bangladeshi", "Asian or Asian British: Bangladeshi"),
                    ("asian_chinese", "Asian or Asian British: Chinese"),
                    ("asian_indian", "Asian or Asian British: Indian"),
                    ("asian_pakistani", "Asian or Asian British: Pakistani"),
                    ("asian_other", "Asian or Asian British: any other Asian background"),
                    ("black_african", "Black or Black British: African"),
                    ("black_caribbean", "Black or Black British: Caribbean"),
                    ("black_other", "Black or Black British: any other Black, Black British or Caribbean background"),
                    ("mixed_white_asian", "Mixed: White and Asian"),
                    ("mixed_white_black_african", "Mixed: White and Black African"),
                    ("mixed_white_black_caribbean", "Mixed: White and Black Caribbean"),
                    ("mixed_other", "Mixed: any other Mixed or multiple ethnic background"),
                    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
                    ("white_irish", "White: Irish"),
                    ("white_gypsy_traveller", "White: Gypsy or Irish Traveller"),
                    ("white_roma", "White: Roma"),
                    ("white_other", "White: any other White background"),
                    ("other_arab", "Other ethnic group: Arab"),
                    ("other_any", "Other ethnic group: any other ethnic group"),
                    ("not_recorded", "Not recorded"),
                    ("prefers_not_to_say", "Prefers not to say"),
                ],
                default="not_recorded",
                help_text="ONS 2021 census categories.",
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="child",
            name="gender",
            field=models.CharField(
                choices=[
                    ("female", "Female"),
                    ("male", "Male"),
                    ("non_binary", "Non-binary or another gender"),
                    ("not_recorded", "Not recorded"),
                    ("prefers_not_to_say", "Prefers not to say"),
                ],
                default="not_recorded",
                max_length=20,
            ),
        ),
    ]
