"""Which simulator addresses produce which feedback (pure)."""

from __future__ import annotations

import pytest

from mailer.sandbox.simulator import mentions_simulator, outcomes, scenario_for


@pytest.mark.parametrize(
    ("address", "mailbox"),
    [
        ("success@simulator.amazonses.com", "success"),
        ("bounce+campaign-7@simulator.amazonses.com", "bounce"),
        ("OOTO@Simulator.AmazonSES.com", "ooto"),
        ("Complaint+x+y@simulator.amazonses.com", "complaint"),
        ("suppressionlist@simulator.amazonses.com", "suppressionlist"),
    ],
)
def test_simulator_addresses_ignore_label_and_case(address, mailbox):
    assert scenario_for(address).mailbox == mailbox


@pytest.mark.parametrize(
    "address",
    [
        "bounce@example.com",
        "nobody@simulator.amazonses.com",
        "bounce@simulator.amazonses.com.evil.example",
        "simulator.amazonses.com",
    ],
)
def test_other_addresses_have_no_scenario(address):
    assert scenario_for(address) is None


def test_outcomes_group_recipients_per_mailbox_in_order():
    found = outcomes(
        [
            "bounce+1@simulator.amazonses.com",
            "someone@example.com",
            "complaint@simulator.amazonses.com",
            "bounce+2@simulator.amazonses.com",
        ]
    )
    assert [(o.scenario.kind, o.recipients) for o in found] == [
        ("Bounce", ("bounce+1@simulator.amazonses.com", "bounce+2@simulator.amazonses.com")),
        ("Complaint", ("complaint@simulator.amazonses.com",)),
    ]


def test_kinds_and_bounce_sub_types():
    kinds = {
        name: (scenario_for(f"{name}@simulator.amazonses.com").kind,
               scenario_for(f"{name}@simulator.amazonses.com").bounce_sub_type)
        for name in ("success", "ooto", "bounce", "suppressionlist", "complaint")
    }  # fmt: skip
    assert kinds == {
        "success": ("Delivery", ""),
        "ooto": ("Delivery", ""),
        "bounce": ("Bounce", "General"),
        "suppressionlist": ("Bounce", "OnAccountSuppressionList"),
        "complaint": ("Complaint", ""),
    }


def test_mentions_simulator_is_a_cheap_prefilter():
    assert mentions_simulator(["a@example.com", "x@SIMULATOR.amazonses.com"])
    assert not mentions_simulator(["a@example.com"])
