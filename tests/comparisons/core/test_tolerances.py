"""The one tolerance table (comparisons.core.tolerances)."""
from comparisons.core.tolerances import TOLERANCES


def test_tolerance_table_covers_both_tiers_with_the_same_checks():
    assert TOLERANCES["float64"].keys() == TOLERANCES["float32"].keys()
    assert TOLERANCES["float64"]["gradient"] <= 1e-12 and TOLERANCES["float64"]["accuracy"] == 0.0
