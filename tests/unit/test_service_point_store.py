"""The live service-point store: YAML edits reach it on restart without undoing console edits."""

import sqlalchemy as sa

from bot.db import metadata
from bot.service_points.live_store import YAML_EDITOR, ServicePointStore
from bot.service_points.store import completeness, parse_points


def yaml_points(*entries):
    return parse_points([{"id": i, "name": f"{i}办税服务厅", "district": "天河", **extra} for i, extra in entries])


def by_id(store):
    return {p.id: p for p in store.all()}


def restart(engine, points):
    """What a web-app start does: open the store on the same database and apply the YAML."""
    metadata.create_all(engine)
    store = ServicePointStore(engine)
    store.sync_from_yaml(points)
    return store


def test_first_start_loads_the_yaml_and_logs_where_it_came_from():
    engine = sa.create_engine("sqlite://")
    store = restart(engine, yaml_points(("a", {}), ("b", {"address": "B路2号"})))
    assert list(by_id(store)) == ["a", "b"] and by_id(store)["b"].address == "B路2号"
    assert {c["changed_by"] for c in store.changes()} == {YAML_EDITOR}


def test_a_yaml_edit_reaches_the_live_list_on_restart():
    engine = sa.create_engine("sqlite://")
    restart(engine, yaml_points(("a", {}), ("b", {})))
    store = restart(engine, yaml_points(("a", {"address": "A路1号"}), ("b", {})))
    assert by_id(store)["a"].address == "A路1号"
    assert [c["id"] for c in store.changes()][:1] == ["a"]  # only the edited entry is logged again
    assert len(store.changes()) == 3


def test_a_console_edit_survives_a_restart_when_the_yaml_entry_did_not_change():
    engine = sa.create_engine("sqlite://")
    points = yaml_points(("a", {}), ("b", {}))
    store = restart(engine, points)
    store.put(yaml_points(("a", {"phone": "020-1"}))[0], "wang")
    store = restart(engine, yaml_points(("a", {}), ("b", {"hours": "9-17"})))
    assert by_id(store)["a"].phone == "020-1"  # console edit kept
    assert by_id(store)["b"].hours == "9-17"  # YAML edit applied


def test_entries_added_or_removed_in_the_yaml_are_added_or_removed_live():
    engine = sa.create_engine("sqlite://")
    restart(engine, yaml_points(("a", {}), ("b", {})))
    store = restart(engine, yaml_points(("b", {}), ("c", {})))
    assert list(by_id(store)) == ["b", "c"]
    removal = next(c for c in store.changes() if c["id"] == "a")
    assert removal["data"]["deleted"] is True and removal["changed_by"] == YAML_EDITOR


def test_a_point_added_in_the_console_is_kept_when_the_yaml_never_had_it():
    engine = sa.create_engine("sqlite://")
    store = restart(engine, yaml_points(("a", {})))
    store.put(yaml_points(("extra", {}))[0], "wang")
    assert list(by_id(restart(engine, yaml_points(("a", {}))))) == ["a", "extra"]


def test_completeness_counts_what_operators_still_have_to_fill_in():
    points = yaml_points(
        (
            "a",
            {
                "address": "A路1号",
                "hours": "9-17",
                "phone": "020-1",
                "latitude": 23.1,
                "longitude": 113.3,
                "source": "区税务局公告",
                "verified": "2026-11-01",
            },
        ),
        ("b", {"address": "B路2号"}),
        ("c", {}),
    )
    counts = completeness(points)
    assert {k: counts[k] for k in ("total", "with_address", "with_location", "verified")} == {
        "total": 3,
        "with_address": 2,
        "with_location": 1,
        "verified": 1,
    }
    assert counts["missing"] == {"b": ["hours", "phone", "location"], "c": ["address", "hours", "phone", "location"]}
