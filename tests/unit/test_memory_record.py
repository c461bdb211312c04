"""The in-memory record (`storage.memory`) stands in for the database in the service's unit tests, so it must
offer what the real unit of work offers: every repository, with the same methods and arguments, and the same
rule that what is not committed is not kept."""

from __future__ import annotations

import inspect

import pytest

from storage.memory import MemoryStore, units_of_work
from storage.memory.repositories import MEMORY
from storage.models import Channel, Partnership
from storage.repositories import REPOSITORIES


def public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_the_memory_unit_of_work_has_every_repository():
    assert set(MEMORY) == set(REPOSITORIES)


@pytest.mark.parametrize("name", sorted(REPOSITORIES))
def test_each_memory_repository_has_its_real_twins_methods_and_arguments(name):
    real, fake = public_methods(REPOSITORIES[name]), public_methods(MEMORY[name])
    fake.pop("ours", None)  # the stand-ins' own helper
    assert set(fake) == set(real), f"{name}: methods differ"
    for method, signature in real.items():
        assert list(fake[method].parameters) == list(signature.parameters), f"{name}.{method}: arguments differ"
        assert inspect.iscoroutinefunction(getattr(MEMORY[name], method)) == inspect.iscoroutinefunction(
            getattr(REPOSITORIES[name], method)
        ), f"{name}.{method}: one is async and the other is not"


async def test_what_is_not_committed_is_not_kept(clock):
    store = MemoryStore()
    store.insert(Partnership(id=1, preset_id="salford", name="Salford", created_at=clock(), practice=False))
    open_uow = units_of_work(store)
    async with open_uow(1) as uow:
        await uow.channels.add(Channel(partnership_id=1, purpose="panel", platform="slack", external_id="C1",
                                       updated_at=clock()))
        await uow.commit()
    async with open_uow(1) as uow:
        channel = await uow.channels.get("panel", "slack")
        channel.external_id = "C2"
        await uow.channels.add(Channel(partnership_id=1, purpose="bm", platform="slack", external_id="C3",
                                       updated_at=clock()))
        await uow.audit(partnership_id=1, at=clock(), actor="x", action="channel_set", subject="panel")
        # left without committing
    async with open_uow(1) as uow:
        assert [(c.purpose, c.external_id) for c in await uow.channels.all()] == [("panel", "C1")]
        assert await uow.records.audit_log() == []


async def test_another_partnerships_rows_are_not_read(clock):
    store = MemoryStore()
    open_uow = units_of_work(store)
    async with open_uow(2) as uow:
        await uow.channels.add(Channel(partnership_id=2, purpose="panel", platform="slack", external_id="C9",
                                       updated_at=clock()))
        await uow.commit()
    async with open_uow(1) as uow:
        assert await uow.channels.all() == []
