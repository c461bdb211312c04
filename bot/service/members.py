"""Setting up the panel: members, their platform identities, and the channels the bot speaks in."""

from __future__ import annotations

from dataclasses import dataclass

from bot.platforms import check_platform_id, platform_names
from bot.service.base import Actor, Handler
from flows.errors import InvalidInput, NotFound
from storage.models import Channel, Identity, Member
from storage.uow import UnitOfWork

FIXED_PURPOSES = ("panel", "bm")


@dataclass(frozen=True)
class MemberInfo:
    id: int
    name: str
    role: str
    role_label: str
    votes: bool
    identities: tuple[str, ...]


def parse_platform_id(text: str) -> tuple[str, str]:
    """`slack:U0123` -> ("slack", "U0123"), refusing unknown platforms with the list of valid ones."""
    platform, sep, external = text.strip().partition(":")
    platform = platform.lower()
    if not sep or not external.strip():
        raise InvalidInput(f'"{text}" is not a platform id; write it as PLATFORM:ID, e.g. slack:U0123.')
    known = platform_names()
    if platform not in known:
        raise InvalidInput(f'"{platform}" is not a platform Panelbot knows; use one of {", ".join(known)}.')
    return platform, check_platform_id(platform, external.strip())


class MemberCommands(Handler):
    def role_id(self, text: str) -> str | None:
        """A role of the preset as people name it: its id, its label, or an alias every partnership shares:
        `bm` (the business manager), `la` (the local authority), `chair` (the role called chair, else whoever
        breaks ties). None when it names no role."""
        key = " ".join(text.split()).lower()
        role_id = key.replace(" ", "_").replace("-", "_")
        labels = self.preset.role_labels
        if role_id in labels:
            return role_id
        by_label = {label.lower(): rid for rid, label in labels.items()}
        if key in by_label:
            return by_label[key]
        aliases = {"bm": "business_manager", "la": "local_authority", "chair": self.preset.tie_break_role}
        alias = aliases.get(key)
        return alias if alias in labels else None

    def _check_role(self, role: str) -> str:
        role_id = self.role_id(role) or role.strip().lower()
        if role_id not in self.preset.role_labels:
            valid = ", ".join(self.preset.role_labels)
            raise InvalidInput(f'"{role}" is not a role in the {self.preset.name} panel; use one of {valid}.')
        return role_id

    def _info(self, member: Member, identities: list[Identity]) -> MemberInfo:
        role = self.preset.role_labels.get(member.role, member.role)
        votes = member.role in self.preset.voting_roles
        return MemberInfo(
            member.id, member.name, member.role, role, votes, tuple(f"{i.platform}:{i.external_id}" for i in identities)
        )

    async def add_member(self, *, actor: Actor, name: str, role: str, ids: list[str] = ()) -> MemberInfo:  # type: ignore[assignment]
        self.require_bm(actor, "add panel members")
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("Please give the member's name.")
        role_id = self._check_role(role)
        parsed = [parse_platform_id(i) for i in ids]
        async with self.uow() as uow:
            existing = await uow.members.by_name(name.lower())
            if existing is not None:
                raise InvalidInput(f"{name} is already on the panel (as {self.preset.role_label(existing.role)}).")
            for platform, external in parsed:
                taken = await uow.members.identity(platform, external)
                if taken is not None:
                    owner = await uow.members.get(taken.member_id)
                    raise InvalidInput(
                        f"{platform}:{external} already belongs to {owner.name if owner else 'someone'}."
                    )
            member = Member(
                partnership_id=self.partnership_id, name=name, name_key=name.lower(), role=role_id, added_at=self.now()
            )
            member.identities = [
                Identity(partnership_id=self.partnership_id, platform=p, external_id=e) for p, e in parsed
            ]
            await uow.members.add(member)
            await self.audit(
                uow,
                actor,
                "member_added",
                f"member:{member.id}",
                name=name,
                role=role_id,
                ids=[f"{p}:{e}" for p, e in parsed],
            )
            info = self._info(member, member.identities)
            await self.finish(uow)
            return info

    async def remove_member(self, *, actor: Actor, name: str) -> MemberInfo:
        self.require_bm(actor, "remove panel members")
        async with self.uow() as uow:
            member = await self._member_by_name(uow, name)
            member.removed_at = self.now()
            identities = await uow.members.remove_identities(member)
            await self.audit(uow, actor, "member_removed", f"member:{member.id}", name=member.name, role=member.role)
            info = self._info(member, identities)
            await self.finish(uow)
            return info

    async def _member_by_name(self, uow: UnitOfWork, name: str) -> Member:
        member = await uow.members.by_name(" ".join(name.split()).lower())
        if member is None:
            raise NotFound(f'Nobody called "{name}" is on the panel. Use `member list` to see who is.')
        return member

    async def list_members(self) -> list[MemberInfo]:
        async with self.uow() as uow:
            members = await uow.members.active()
            ids = await uow.members.identities()
        by_member: dict[int, list[Identity]] = {}
        for identity in ids:
            by_member.setdefault(identity.member_id, []).append(identity)
        return [self._info(m, by_member.get(m.id, [])) for m in members]

    def _purpose(self, purpose: str) -> str:
        """`panel`, `bm`, `agency:NAME` or `agency:NAME:lead`, as stored; anything else refused in a sentence."""
        purpose = purpose.strip().lower()
        if purpose.startswith("agency:"):
            agency = purpose.partition(":")[2].strip().replace(" ", "_")
            agency, lead = (agency[: -len(":lead")], ":lead") if agency.endswith(":lead") else (agency, "")
            if not agency:
                raise InvalidInput("Name the agency, e.g. agency:police.")
            known = {a.id: a.id for a in self.preset.agencies}
            known.update({a.label.lower().replace(" ", "_"): a.id for a in self.preset.agencies})
            if agency not in known:
                # A channel for an agency the preset does not have would never receive anything.
                valid = ", ".join(f"agency:{a.id}" for a in self.preset.agencies) or "none: the preset lists none"
                raise InvalidInput(
                    f'"{agency}" is not one of this partnership\'s agencies; the agencies are {valid} (add :lead '
                    "for an agency's safeguarding lead)."
                )
            return f"agency:{known[agency]}{lead}"
        if purpose not in FIXED_PURPOSES:
            raise InvalidInput(f'"{purpose}" is not a channel purpose; use panel, bm or agency:NAME.')
        return purpose

    async def set_channel(
        self, *, actor: Actor, purpose: str, platform_id: str, add: bool = False
    ) -> tuple[str, str, str]:
        """`panel`, `bm` or `agency:NAME`, on one platform. Setting it again moves it: the purpose's other ids
        on that platform are dropped. With `add`, the id is added beside them (an agency's shared mailbox and
        its deputy's address: each gets every message)."""
        self.require_bm(actor, "set channels")
        purpose = self._purpose(purpose)
        platform, external = parse_platform_id(platform_id)
        async with self.uow() as uow:
            rows = await uow.channels.of_platform(purpose, platform)
            if add and any(r.external_id == external for r in rows):
                raise InvalidInput(f"{platform}:{external} is already set for {purpose}, so nothing was changed.")
            keep = next((r for r in rows if r.external_id == external), None)
            for row in rows if not add else []:
                if row is not keep:
                    await uow.channels.remove(row)
            if keep is None:
                await uow.channels.add(
                    Channel(
                        partnership_id=self.partnership_id,
                        purpose=purpose,
                        platform=platform,
                        external_id=external,
                        updated_at=self.now(),
                    )
                )
            else:
                keep.updated_at = self.now()
            action = "channel_added" if add else "channel_set"
            await self.audit(uow, actor, action, purpose, platform=platform, external_id=external)
            await self.finish(uow)
        return purpose, platform, external

    async def remove_channel(self, *, actor: Actor, purpose: str, platform_id: str) -> tuple[str, str, str]:
        """Stop using one id of a purpose (a deputy's address that is no longer read)."""
        self.require_bm(actor, "remove channels")
        purpose = self._purpose(purpose)
        platform, external = parse_platform_id(platform_id)
        async with self.uow() as uow:
            row = next((r for r in await uow.channels.of_platform(purpose, platform) if r.external_id == external),
                       None)
            if row is None:
                raise NotFound(f"{platform}:{external} is not set for {purpose}; `channel list` shows what is.")
            await uow.channels.remove(row)
            await self.audit(uow, actor, "channel_removed", purpose, platform=platform, external_id=external)
            await self.finish(uow)
        return purpose, platform, external

    async def list_channels(self) -> list[tuple[str, str, str]]:
        async with self.uow() as uow:
            rows = await uow.channels.all()
            return [(c.purpose, c.platform, c.external_id) for c in rows]

    async def actor_for(self, platform: str, external_id: str) -> Actor | None:
        """The panel member behind a platform account, or None for someone not on the panel."""
        async with self.uow() as uow:
            row = await uow.members.by_platform_id(platform, external_id)
            if row is None:
                return None
            return Actor(row.id, row.name, row.role, self.partnership_id, f"{platform}:{external_id}")

    async def actor_named(self, text: str) -> Actor:
        """A member by name, or by role when exactly one member holds it (`as bm`, `as police`)."""
        key = " ".join(text.split()).lower()
        async with self.uow() as uow:
            members = await uow.members.active()
        for m in members:
            if m.name_key == key:
                return Actor(m.id, m.name, m.role, self.partnership_id)
        first_names = [m for m in members if m.name_key.split()[0] == key]
        if len(first_names) == 1:
            return Actor(first_names[0].id, first_names[0].name, first_names[0].role, self.partnership_id)
        role = self.role_id(key) or key.replace(" ", "_")
        holders = [m for m in members if m.role == role]
        if len(holders) == 1:
            return Actor(holders[0].id, holders[0].name, holders[0].role, self.partnership_id)
        if len(holders) > 1:
            names = ", ".join(m.name for m in holders)
            raise InvalidInput(f"More than one member is {self.preset.role_label(role)} ({names}); give a name.")
        raise NotFound(f'Nobody called "{text}" is on the panel. Use `members` to see who is.')
