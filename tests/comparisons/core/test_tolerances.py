"""The one tolerance table (comparisons.core.tolerances)."""
import pytest

from comparisons.core.lockstep import Trajectory, trajectory_checks
from comparisons.core.tolerances import TOLERANCES
from scratchnet.optimizers import SGD, RMSprop


def test_tolerance_table_covers_both_tiers_with_the_same_checks():
    assert TOLERANCES["float64"].keys() == TOLERANCES["float32"].keys()
    assert TOLERANCES["float64"]["gradient"] <= 1e-12 and TOLERANCES["float64"]["accuracy"] == 0.0


@pytest.mark.parametrize("optimizer,passes", [(None, False), ("SGD", False), (SGD(0.1), False), ("Adam", True),
                                              (RMSprop(1.0), True), ("Nadam", True)])
def test_adaptive_optimizers_weight_drift_gets_its_own_bound(optimizer, passes):
    """A weight drift of 4.7e-12 (what Adam reached on the corpus's mit_debiasing_classifier)
    passes under an adaptive optimizer's 1e-10 and fails SGD's 1e-12; a 1e-9 drift fails both,
    and the loss trajectory keeps 1e-12 either way."""
    traj = Trajectory(scratchnet_loss=[1.0, 0.5], keras_loss=[1.0, 0.5], drift_steps=[1, 2],
                      weight_drift=[1e-13, 4.7e-12])
    loss_check, weights_check = trajectory_checks(traj, "float64", optimizer)
    assert loss_check.passed and loss_check.tolerance == 1e-12
    assert weights_check.passed is passes
    assert weights_check.tolerance == (1e-10 if passes else 1e-12)
    traj.weight_drift[-1] = 1e-9
    assert not trajectory_checks(traj, "float64", optimizer)[1].passed
