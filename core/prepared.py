"""Reads compiled once: the hot intake paths' lookups without the ORM's per-query compile.

Profiled (``bench/intake.py --profile``), an intake request spends most of its
time in Django building SQL: a primary-key ``get()`` compiles its SELECT, its
ORDER BY and its converters anew on every call, which costs several times what
the database takes to answer it. A lookup whose shape never changes — the API
key by its hash, a row by its id, the open leads at a phone number — only
needs that work once.

``Prepared`` holds a queryset builder. The first call (per thread and
database) builds the queryset with stand-in values, compiles it the ORM's own
way and finds where each stand-in went in the parameters; every later call
sends the same SQL with the real values, applies the same converters and
builds instances exactly as the ORM's ``ModelIterable`` does (``from_db``,
``select_related`` included). So the query is still written once, as a
queryset, and follows the models; only its compiling is cached.

What it refuses, loudly, when the plan is made: an argument the ORM transformed
before sending (``icontains`` wraps it in ``%…%``: the stand-in is then not
found in the parameters), ``prefetch_related``, and ``values()`` querysets.
Arguments are ``str`` or ``int`` only, so a value never needs the per-database
adaptation that datetimes do. LIMIT is part of the SQL: slice in the builder.

Statements sent this way go through Django's cursor, so they are counted by
``django_assert_max_num_queries`` and seen by ``CaptureQueriesContext`` and the
execute wrappers like any other.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import NOT_PROVIDED, Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.query import ModelIterable, get_related_populators  # type: ignore[attr-defined]
from django.db.models.signals import post_save, pre_save
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.subqueries import InsertQuery
from django.db.transaction import TransactionManagementError
from django.utils.connection import ConnectionProxy
from psycopg import RawCursor
from psycopg.pq import Format

from core import generation

M = TypeVar("M", bound=Model)

ARGUMENT_TYPES = (str, int)


def _stand_in(kind: type, n: int) -> str | int:
    """A value no real argument or constant of the query will equal."""
    if kind is str:
        return f"\x00prepared-argument-{n}\x00"
    if kind is int:
        return -(2**31) + 7919 * (n + 1)
    raise TypeError(f"prepared arguments are str or int, not {kind.__name__}")


def _prepares(db: Any) -> bool:
    """Whether statements on this connection may be prepared on the server:
    PostgreSQL with server-side binding, and not behind a transaction pooler
    (settings: ``prepare_threshold`` is None there)."""
    return (
        db.vendor == "postgresql"
        and db.features.uses_server_side_binding
        and db.connection is not None
        and db.connection.prepare_threshold is not None
    )


_PLACEHOLDER = re.compile("%[s%]")


@functools.lru_cache(maxsize=512)
def native(sql: str) -> str:
    """``sql`` as the ORM writes it for psycopg (``%s`` placeholders, ``%%``
    for a literal ``%``) in PostgreSQL's own form: ``$1``, ``$2``… and ``%``.
    Held per statement: the statements sent here are a fixed set of shapes."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)


def statement_cursor(db: Any) -> CursorWrapper:
    """``db.cursor()`` for ``send``. Where statements are prepared it wraps a
    psycopg ``RawCursor``, which takes the statement in PostgreSQL's own form
    (``native``) as it is: psycopg otherwise parses the ``%s`` form on every
    execute, and keeps what it parsed only for a statement under 4 KB and 50
    parameters — a lead written with its audit entry and its matches is
    longer, and paid that parse (about 0.1 ms) on every capture. Wrapped as
    Django wraps its own cursors (query log, execute wrappers). Given
    ``django.db.connection``'s proxy, it works on the connection behind it:
    each attribute read through the proxy is a context-local lookup, and a
    cursor reads about a dozen (63–129 µs a cursor through it, 12–20 without)."""
    if isinstance(db, ConnectionProxy):
        db = connections[db.alias]
    if db.vendor != "postgresql":
        return db.cursor()  # SQLite: nothing is prepared, and no connection checks twice
    db.close_if_health_check_failed()
    db.ensure_connection()
    if not _prepares(db):
        return db.cursor()
    with db.wrap_database_errors:
        cursor = RawCursor(db.connection)
        # As the backend's create_cursor: the cursor reads timestamps in the
        # connection's time zone unless the driver's already does.
        oid = db.connection.adapters.types["timestamptz"].oid
        if db.timezone != db.connection.adapters.get_loader(oid, Format.TEXT).timezone:
            register_tzloader(db.timezone, cursor)
    db.validate_thread_sharing()
    if db.queries_logged:
        return db.make_debug_cursor(cursor)
    return db.make_cursor(cursor)


def _prepared_executor(sql: str, params: Sequence[Any], many: bool, context: dict[str, Any]) -> Any:
    # CursorWrapper._execute, with psycopg told to prepare the statement.
    db = context["connection"]
    db.validate_no_broken_transaction()
    cursor = context["cursor"].cursor
    if isinstance(cursor, RawCursor):
        sql = native(sql)
    with db.wrap_database_errors:
        return cursor.execute(sql, params, prepare=True)


def send(cursor: CursorWrapper, sql: str, params: Sequence[Any]) -> None:
    """``cursor.execute(sql, params)``, and on PostgreSQL the statement is
    prepared on the server the first time a connection sends it: PostgreSQL
    then neither parses nor plans it again. Only these statements, whose
    shape and plan never change (a row by its id, a key by its hash, one
    INSERT), are prepared: a search's ``LIKE`` or a report's date range is
    planned with its values every time (settings: ``prepare_threshold``).
    Goes through Django's execute wrappers and query log like ``execute``."""
    if not _prepares(cursor.db):
        cursor.execute(sql, params)
    elif isinstance(cursor, CursorDebugWrapper):
        with cursor.debug_sql(sql, params, use_last_executed_query=True):
            cursor._execute_with_wrappers(sql, params, many=False, executor=_prepared_executor)
    else:
        cursor._execute_with_wrappers(sql, params, many=False, executor=_prepared_executor)


@dataclass
class _Plan:
    sql: str
    params: list[Any]
    # Parameter position -> argument name.
    slots: list[tuple[int, str]]
    compiler: SQLCompiler
    converters: dict[int, Any]
    model_start: int
    model_end: int
    init_list: list[str]
    related_populators: list[Any]
    annotation_col_map: dict[str, int]
    connection: Any
    # SELECT … FOR UPDATE: only meaningful inside a transaction (the ORM checks when compiling).
    locks: bool
    # How many columns the SQL selects.
    width: int


def _fresh(row: Sequence[Any]) -> tuple[Any, ...]:
    """A held row with its lists and dicts (a JSON column) copied, so an instance
    built from it never shares a mutable value with the one held, or another."""
    if any(isinstance(value, list | dict) for value in row):
        return tuple(copy.deepcopy(value) if isinstance(value, list | dict) else value for value in row)
    return tuple(row)


# Rows a kept lookup read, per arguments, under one generation; at most this
# many argument combinations are held (a probe of unknown ids cannot grow it).
KEPT_ENTRIES = 512


class Prepared(Generic[M]):
    """``Prepared(lambda key_hash: ApiKey.objects.filter(key_hash=key_hash), key_hash=str)``;
    then ``lookup.all(key_hash=h)`` or ``lookup.first(key_hash=h)``.

    ``kept=True``: every table the query reads keeps the configuration
    generation (``core.generation``), so during an API request the rows read
    under the generation the request noted are answered again without a
    statement (as fresh instances), until the generation moves."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, kept: bool = False, **arguments: Any) -> None:
        for name, kind in arguments.items():
            if kind not in ARGUMENT_TYPES:
                raise TypeError(f"argument {name!r}: prepared arguments are str or int")
        self._build = build
        self._arguments = arguments
        self._local = threading.local()
        self._kept = kept
        # (generation, {arguments: rows}); replaced whole, so threads never see it half-made.
        self._kept_rows: tuple[int, dict[tuple[Any, ...], list[Any]]] | None = None

    def _plan(self, using: str) -> _Plan:
        plans: dict[str, _Plan] = self._local.__dict__.setdefault("plans", {})
        plan = plans.get(using)
        connection = connections[using]
        if plan is not None and plan.connection is connection:
            return plan
        stand_ins = {name: _stand_in(kind, n) for n, (name, kind) in enumerate(self._arguments.items())}
        queryset = self._build(**stand_ins)
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise ValueError("a prepared query cannot prefetch_related")
        if queryset._known_related_objects:  # type: ignore[attr-defined]
            raise ValueError("a prepared query starts from a model's manager, not a related manager")
        if queryset._iterable_class is not ModelIterable:
            raise ValueError("a prepared query returns model instances (no values()/values_list())")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if self._kept:
            # The tables the SQL names (a join the ORM set up and then trimmed is not sent).
            quote = connection.ops.quote_name
            read = {
                join.table_name for join in compiler.query.alias_map.values() if quote(join.table_name) in sql
            }
            unkept = read - generation.kept_tables()
            if unkept:
                raise ValueError(
                    f"a kept lookup reads tables that do not keep the generation: {sorted(unkept)}"
                )
        slots = []
        for name, value in stand_ins.items():
            found = [i for i, p in enumerate(params) if type(p) is type(value) and p == value]
            if len(found) != 1:
                raise ValueError(
                    f"argument {name!r} reaches the SQL {len(found)} times unchanged (needs exactly 1): "
                    "a lookup that transforms its value cannot be prepared"
                )
            slots.append((found[0], name))
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        plan = _Plan(
            sql=sql,
            params=list(params),
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[0 : compiler.col_count]]),
            model_start=start,
            model_end=end,
            init_list=[f[0].target.attname for f in select[start:end]],
            related_populators=get_related_populators(klass_info, select, using),
            annotation_col_map=dict(compiler.annotation_col_map or {}),
            connection=connection,
            locks=bool(queryset.query.select_for_update),
            width=len(select[0 : compiler.col_count]),
        )
        plans[using] = plan
        return plan

    def _check(self, arguments: dict[str, str | int]) -> None:
        if arguments.keys() != self._arguments.keys():
            raise TypeError(f"arguments are {sorted(self._arguments)}, got {sorted(arguments)}")
        for name, value in arguments.items():
            if type(value) is not self._arguments[name]:
                raise TypeError(f"argument {name!r} must be {self._arguments[name].__name__}")

    def all(self, **arguments: str | int) -> list[M]:
        """The rows, on the default database (Leadline has one)."""
        using = DEFAULT_DB_ALIAS
        self._check(arguments)
        plan = self._plan(using)
        if plan.locks and plan.connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        seen = generation.noted() if self._kept else None
        if seen is None:
            return self._instances(plan, self._read(plan, arguments))
        key = tuple(arguments.values())
        held = self._kept_rows
        if held is not None and held[0] == seen and key in held[1]:
            return self._instances(plan, [_fresh(row) for row in held[1][key]])
        rows = self._read(plan, arguments)
        entries = held[1] if held is not None and held[0] == seen and len(held[1]) < KEPT_ENTRIES else {}
        self._kept_rows = (seen, {**entries, key: [_fresh(row) for row in rows]})
        return self._instances(plan, rows)

    def _read(self, plan: _Plan, arguments: dict[str, str | int]) -> list[Any]:
        params = self._params(plan, arguments)
        with statement_cursor(plan.connection) as cursor:
            send(cursor, plan.sql, params)
            rows: Any = cursor.fetchall()
        return self._converted(plan, rows)

    def _converted(self, plan: _Plan, rows: Any) -> list[Any]:
        if plan.converters:
            rows = plan.compiler.apply_converters(rows, plan.converters)
        return list(rows)

    def _instances(self, plan: _Plan, rows: list[Any]) -> list[M]:
        using = DEFAULT_DB_ALIAS
        assert plan.compiler.klass_info is not None
        model = plan.compiler.klass_info["model"]
        found: list[M] = []
        for row in rows:
            obj = model.from_db(using, plan.init_list, row[plan.model_start : plan.model_end])
            for populator in plan.related_populators:
                populator.populate(row, obj)
            for attr, position in plan.annotation_col_map.items():
                setattr(obj, attr, row[position])
            found.append(obj)
        return found

    def first(self, **arguments: str | int) -> M | None:
        """The first row, or None (slice the builder's queryset to ``[:1]``)."""
        rows = self.all(**arguments)
        return rows[0] if rows else None

    def bound(self, **arguments: str | int) -> Bound[M]:
        """This read with its arguments, to be sent inside another statement
        (``insert_together``'s ``reads``). Not for kept lookups (they may need
        no statement at all) nor locking ones."""
        if self._kept:
            raise TypeError("a kept lookup is read with all()")
        self._check(arguments)
        if self._plan(DEFAULT_DB_ALIAS).locks:
            raise TypeError("a locking lookup is read with all()")
        return Bound(self, dict(arguments))

    def _columns(self, plan: _Plan) -> list[str]:
        """The database type of each column the SQL selects (for a typed NULL in its place)."""
        compiler = plan.compiler
        selected = compiler.select[: plan.width]
        return [expr.output_field.cast_db_type(plan.connection) for expr, _, _ in selected]

    def _params(self, plan: _Plan, arguments: dict[str, str | int]) -> list[Any]:
        params = list(plan.params)
        for position, name in plan.slots:
            params[position] = arguments[name]
        return params

    def _answer(self, plan: _Plan, rows: list[Any]) -> list[M]:
        """Instances from rows of the SQL's columns, read by another statement."""
        return self._instances(plan, self._converted(plan, rows))


@dataclass(frozen=True)
class Bound(Generic[M]):
    """A prepared read and its arguments (``Prepared.bound``)."""

    lookup: Prepared[M]
    arguments: dict[str, str | int]

    def all(self) -> list[M]:
        return self.lookup.all(**self.arguments)


_by_pk: dict[type[Model], Prepared[Any]] = {}


def by_pk(model: type[M]) -> Prepared[M]:
    """``model``'s row by primary key, prepared once per model (no ORDER BY)."""
    lookup = _by_pk.get(model)
    if lookup is None:
        lookup = _by_pk[model] = Prepared(
            lambda pk: model._default_manager.filter(pk=pk).order_by()[:1],
            kept=generation.is_kept(model),
            pk=int,
        )
    return lookup


class PreparedShapes(Generic[M]):
    """A read whose filters depend on which of its optional arguments are given
    (a phone, an email, both): one ``Prepared`` per combination given. ``build``
    receives only the given ones; ``None`` and ``""`` mean not given."""

    def __init__(self, build: Callable[..., QuerySet[M]], **arguments: type) -> None:
        self._build = build
        self._arguments = arguments
        self._plans: dict[frozenset[str], Prepared[M]] = {}

    def _lookup(self, arguments: dict[str, str | int | None]) -> tuple[Prepared[M], dict[str, str | int]]:
        given = {name: value for name, value in arguments.items() if value is not None and value != ""}
        shape = frozenset(given)
        lookup = self._plans.get(shape)
        if lookup is None:
            unknown = shape - self._arguments.keys()
            if unknown:
                raise TypeError(f"unknown arguments {sorted(unknown)}")
            kinds: dict[str, Any] = {name: self._arguments[name] for name in self._arguments if name in shape}
            lookup = self._plans[shape] = Prepared(self._build, **kinds)
        return lookup, given

    def all(self, **arguments: str | int | None) -> list[M]:
        lookup, given = self._lookup(arguments)
        return lookup.all(**given)

    def bound(self, **arguments: str | int | None) -> Bound[M]:
        """``Prepared.bound`` for the shape the arguments give."""
        lookup, given = self._lookup(arguments)
        return lookup.bound(**given)


class PreparedIn(Generic[M]):
    """A read by ``IN`` over a few ids (a page's customers, say): one plan per number
    of ids, up to ``most``. ``build(ids)`` returns the queryset for those ids."""

    def __init__(self, build: Callable[[list[int]], QuerySet[M]], *, most: int) -> None:
        self._build = build
        self._most = most
        self._plans: dict[int, Prepared[M]] = {}

    def all(self, ids: Sequence[int]) -> list[M]:
        if not ids:
            return []
        if len(ids) > self._most:
            raise ValueError(f"at most {self._most} ids, got {len(ids)}")
        lookup = self._plans.get(len(ids))
        if lookup is None:
            kinds: dict[str, Any] = {f"id{i}": int for i in range(len(ids))}
            lookup = self._plans[len(ids)] = Prepared(
                lambda **given: self._build(list(given.values())), **kinds
            )
        return lookup.all(**{f"id{i}": pk for i, pk in enumerate(ids)})


def set_prefetched(instance: Model, relation: str, rows: Sequence[Model]) -> None:
    """Answer ``instance.<relation>.all()`` from ``rows`` without a query, as
    ``prefetch_related`` would have; a later add or remove drops it, as Django
    does for a prefetch."""
    known = getattr(instance, relation).all()
    known._result_cache = list(rows)
    known._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = known


def set_prefetched_children(parents: Sequence[Model], relation: str, rows: Sequence[Model]) -> None:
    """Share ``rows`` (read by their foreign key to ``parents``, in the order
    ``prefetch_related`` would read them) out as each parent's ``relation``, each
    row knowing its parent: what ``prefetch_related(relation)`` does, for rows
    read by a prepared query."""
    if not parents:
        return
    foreign_key = parents[0]._meta.get_field(relation).field  # type: ignore[union-attr]
    by_parent: dict[Any, list[Model]] = {}
    for row in rows:
        by_parent.setdefault(getattr(row, foreign_key.attname), []).append(row)
    for parent in parents:
        children = by_parent.get(parent.pk, [])
        for child in children:
            foreign_key.set_cached_value(child, parent)
        set_prefetched(parent, relation, children)


@dataclass
class _InsertPlan:
    sql: str
    fields: list[Any]
    compiler: Any
    returning: list[Any]
    converters: dict[int, Any]
    connection: Any


_insert_local = threading.local()


_MISSING: Any = object()


def _kept_plan(kind: str, key: tuple[Any, ...], using: str) -> tuple[dict[Any, Any], Any, Any]:
    """This thread's plans of one kind, the connection of ``using``, and the
    plan kept for ``key`` (None: the ORM's way) while it was made on that
    connection, else ``_MISSING``."""
    plans: dict[Any, Any] = _insert_local.__dict__.setdefault(kind, {})
    connection = connections[using]
    known = plans.get(key, _MISSING)
    if known is not _MISSING and known is not None and known.connection is not connection:
        known = _MISSING
    return plans, connection, known


def _insert_plan(model: type[Model], using: str, ignore_conflicts: bool) -> _InsertPlan | None:
    key = (model, using, ignore_conflicts)
    plans, connection, known = _kept_plan("plans", key, using)
    if known is not _MISSING:
        return cast("_InsertPlan | None", known)
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
    returning = list(meta.db_returning_fields)
    if (
        meta.parents
        or meta.auto_field is None
        or not connection.features.can_return_columns_from_insert
        or (ignore_conflicts and not connection.features.supports_ignore_conflicts)
        or any(f.db_default is not NOT_PROVIDED for f in fields)
    ):
        plans[key] = None
        return None
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    # One row of placeholders: the values are bound per call, in ``fields``' order.
    query.insert_values(fields, [model()], raw=False)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = returning
    (sql, params), *more = compiler.as_sql()
    if more or len(params) != len(fields) or sql.count("%s") != len(fields):
        plans[key] = None  # a field with its own placeholder: the ORM's way only
        return None
    cols = [f.get_col(meta.db_table) for f in returning]
    plans[key] = plan = _InsertPlan(
        sql=sql,
        fields=fields,
        compiler=compiler,
        returning=returning,
        converters=compiler.get_converters(cols),
        connection=connection,
    )
    return plan


def _insert(obj: Model, *, ignore_conflicts: bool) -> bool:
    using = DEFAULT_DB_ALIAS
    plan = _insert_plan(type(obj), using, ignore_conflicts)
    # An id chosen by the caller is inserted too, and save signals are sent: the ORM's way.
    if plan is None or not _insertable(obj, plan):
        return _save(obj, using, ignore_conflicts)
    params = _bound(obj, plan)
    if params is None:
        return _save(obj, using, ignore_conflicts)  # an expression as a value: compiled per call
    compiler = plan.compiler
    with transaction.mark_for_rollback_on_error(using), statement_cursor(plan.connection) as cursor:
        send(cursor, plan.sql, params)
        row = cursor.fetchone()
    if row is None:
        return False  # ON CONFLICT DO NOTHING: another row holds the unique values
    rows: Any = [row]
    if plan.converters:
        rows = list(compiler.apply_converters(rows, plan.converters))
    for value, field in zip(rows[0], plan.returning, strict=True):
        setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using
    return True


def _save(obj: Model, using: str, ignore_conflicts: bool) -> bool:
    if not ignore_conflicts:
        obj.save(force_insert=True, using=using)
        return True
    try:
        with transaction.atomic(using=using):
            obj.save(force_insert=True, using=using)
    except IntegrityError:
        return False
    return True


def _insertable(obj: Model, plan: _InsertPlan | None) -> bool:
    model = type(obj)
    return not (
        plan is None or obj.pk is not None or pre_save.has_listeners(model) or post_save.has_listeners(model)
    )


def _bound(obj: Model, plan: _InsertPlan) -> list[Any] | None:
    """The values ``obj``'s compiled INSERT binds, prepared as the ORM prepares
    them; None when one is an expression (compiled per call: the ORM's way)."""
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    compiler = plan.compiler
    params = [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in plan.fields]
    if any(hasattr(p, "resolve_expression") for p in params):
        return None
    return params


_together_local = threading.local()


def _together_sql(first: _InsertPlan, then: _InsertPlan, link: Any, reads: Sequence[Bound[Any]] = ()) -> str:
    """``WITH "first" AS (<first's INSERT>) INSERT INTO <then's table> … VALUES
    (…, (SELECT <first's id> FROM "first"), …) RETURNING <then's returned
    fields>, <link>``: the second row takes the first's new id without a round
    trip, and the one statement is atomic by itself.

    With ``reads``, the second INSERT is a ``WITH`` too and the statement answers
    ``SELECT 0, <its row> FROM "then" UNION ALL SELECT 1, <read 1's row> FROM
    (<read 1>) UNION ALL …``, each branch's columns in their own places and NULL
    (cast to the column's type) in the others'. A data-modifying statement never
    runs in parallel, so the branches answer in order and each keeps its ORDER BY;
    every part sees the database as it was before the statement, so the reads do
    not see the rows it writes."""
    first_meta, then_meta = first.returning[0].model._meta, link.model._meta
    sqls: dict[tuple[Any, ...], str] = _together_local.__dict__.setdefault("sqls", {})
    key = (
        first.connection.alias,
        first_meta.label,
        then_meta.label,
        link.attname,
        *[r.lookup for r in reads],
    )
    if key not in sqls:
        connection = first.connection
        qn = connection.ops.quote_name
        table = qn(then_meta.db_table)
        values = [
            f"(SELECT {qn(first_meta.pk.column)} FROM {qn('first')})"  # noqa: S608 (names only)
            if f is link
            else "%s"
            for f in then.fields
        ]
        returning = [*then.returning, link]
        insert = (
            f"INSERT INTO {table} ({', '.join(qn(f.column) for f in then.fields)}) "  # noqa: S608 (quoted names)
            f"VALUES ({', '.join(values)}) "
            f"RETURNING {', '.join(f'{table}.{qn(f.column)}' for f in returning)}"
        )
        if not reads:
            sqls[key] = f"WITH {qn('first')} AS ({first.sql}) {insert}"
        else:
            # Each branch's columns: then's row, then each read's, side by side.
            aliases = ", ".join(qn(f"c{i}") for i in range(len(returning)))
            ctes = [f"{qn('first')} AS ({first.sql})", f"{qn('then')} ({aliases}) AS ({insert})"]
            blocks = [[f.cast_db_type(connection) for f in returning]]
            for n, read in enumerate(reads, start=1):
                plan = read.lookup._plan(connection.alias)
                blocks.append(read.lookup._columns(plan))
                names = ", ".join(qn(f"c{i}") for i in range(plan.width))
                ctes.append(f"{qn(f'read{n}')} ({names}) AS ({plan.sql})")
            branches = []
            for n in range(len(blocks)):
                name = qn("then") if n == 0 else qn(f"read{n}")
                columns = [f"{n}"]
                for m, other in enumerate(blocks):
                    if m == n:
                        columns += [f"{name}.{qn(f'c{i}')}" for i in range(len(other))]
                    else:
                        columns += [f"NULL::{kind}" for kind in other]
                branches.append(f"SELECT {', '.join(columns)} FROM {name}")  # noqa: S608 (names, types)
            sqls[key] = f"WITH {', '.join(ctes)} " + " UNION ALL ".join(branches)
    return sqls[key]


def _branches(
    rows: Sequence[Any], width: int, reads: Sequence[Bound[Any]], plans: Sequence[_Plan]
) -> tuple[Any, list[list[Any]]]:
    """Split ``_together_sql``'s answer: branch 0 is the second INSERT's row
    (``width`` columns after the branch number), branch n the n-th read's rows,
    each in its own columns, answered as that read's instances."""
    starts = [1 + width]
    for plan in plans:
        starts.append(starts[-1] + plan.width)
    row = None
    found: list[list[Any]] = [[] for _ in plans]
    for answer in rows:
        n = answer[0]
        if n == 0:
            row = answer[1 : 1 + width]
        else:
            found[n - 1].append(answer[starts[n - 1] : starts[n]])
    answered = zip(reads, plans, found, strict=True)
    return row, [read.lookup._answer(plan, block) for read, plan, block in answered]


def insert_together(
    first: Model, then: Model, *, link: str, reads: Sequence[Bound[Any]] = ()
) -> list[list[Any]]:
    """``insert(first)``, then ``then.<link> = first.pk`` and ``insert(then)``:
    both or neither, always. On PostgreSQL they are one statement (a
    data-modifying ``WITH``), which needs no transaction around it: a lead and
    its audit entry cost one round trip, and a capture that writes nothing else
    needs no ``BEGIN``/``COMMIT``. Elsewhere (or for a model ``insert`` would
    hand to ``save()``) the two INSERTs run in ``transaction.atomic`` (no
    savepoint: inside a caller's transaction an error spoils that one).

    ``reads`` (``Prepared.bound``) are answered as the database was just before
    the two rows: on PostgreSQL inside the same statement (a capture's matches
    cost no statement of their own), elsewhere one by one before the INSERTs.
    Returns each read's rows, in order."""
    using = DEFAULT_DB_ALIAS
    connection = connections[using]
    field: Any = type(then)._meta.get_field(link)  # a concrete field of ``then``
    one = connection.vendor == "postgresql"
    first_plan = _insert_plan(type(first), using, False) if one else None
    then_plan = _insert_plan(type(then), using, False) if one else None
    if (
        first_plan is not None
        and then_plan is not None
        and _insertable(first, first_plan)
        and _insertable(then, then_plan)
        and [f.attname for f in first_plan.returning] == [type(first)._meta.pk.attname]
        and field in then_plan.fields
    ):
        setattr(then, field.attname, 0)  # bound nowhere: the statement takes the first's id
        first_params = _bound(first, first_plan)
        then_params = _bound(then, then_plan)
        if first_params is not None and then_params is not None:
            sql = _together_sql(first_plan, then_plan, field, reads)
            at = then_plan.fields.index(field)
            params = [*first_params, *then_params[:at], *then_params[at + 1 :]]
            plans = [read.lookup._plan(using) for read in reads]
            for read, plan in zip(reads, plans, strict=True):
                params += read.lookup._params(plan, read.arguments)
            with transaction.mark_for_rollback_on_error(using), statement_cursor(connection) as cursor:
                send(cursor, sql, params)
                if reads:
                    row, answered = _branches(cursor.fetchall(), len(then_plan.returning) + 1, reads, plans)
                else:
                    row, answered = cursor.fetchone(), []
            assert row is not None  # a plain INSERT returns its row
            *returned, first_id = row
            converted: Any = [returned]
            if then_plan.converters:
                converted = list(then_plan.compiler.apply_converters(converted, then_plan.converters))
            for value, f in zip(converted[0], then_plan.returning, strict=True):
                setattr(then, f.attname, value)
            first.pk = first_id
            setattr(then, field.attname, first_id)
            for obj in (first, then):
                obj._state.adding = False
                obj._state.db = using
            return answered
        setattr(then, field.attname, None)
    answered = [read.all() for read in reads]
    with transaction.atomic(using=using, savepoint=False):
        insert(first)
        setattr(then, field.attname, first.pk)
        insert(then)
    return answered


def insert_then(obj: Model, then: str, params: Sequence[Any]) -> int | None:
    """On PostgreSQL, ``insert(obj)`` and the data-modifying statement ``then``
    as one statement: ``WITH "first" AS (<obj's INSERT>), "then" AS (<then>)
    SELECT <obj's id>, (SELECT count(*) FROM "then") FROM "first"``. ``then``
    may read the new row from ``"first"`` (its id: ``"first"."id"``) and must
    end in ``RETURNING``; ``params`` are its values. Atomic by itself, so it
    needs no transaction. Returns how many rows ``then`` wrote, and sets
    ``obj``'s id; None, with nothing written, where it cannot be one statement
    (another database; a model ``insert`` hands to ``save()``): the caller then
    writes the two its own way, in a transaction."""
    using = DEFAULT_DB_ALIAS
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    plan = _insert_plan(type(obj), using, False)
    if (
        plan is None
        or not _insertable(obj, plan)
        or [f.attname for f in plan.returning] != [obj._meta.pk.attname]
    ):
        return None
    bound = _bound(obj, plan)
    if bound is None:
        return None
    qn = connection.ops.quote_name
    sql = (
        f"WITH {qn('first')} AS ({plan.sql}), {qn('then')} AS ({then}) "  # noqa: S608 (the ORM's SQL and the caller's)
        f"SELECT {qn('first')}.{qn(obj._meta.pk.column)}, (SELECT count(*) FROM {qn('then')}) "
        f"FROM {qn('first')}"
    )
    with transaction.mark_for_rollback_on_error(using), statement_cursor(connection) as cursor:
        send(cursor, sql, [*bound, *params])
        row = cursor.fetchone()
    assert row is not None  # a plain INSERT returns its row
    obj.pk, written = row
    obj._state.adding = False
    obj._state.db = using
    return int(written)


def insert(obj: Model) -> None:
    """``obj.save(force_insert=True)`` for a new row of a plain model, with the
    INSERT compiled once per model, thread and database: each call prepares its
    values exactly as the ORM's insert compiler does (``pre_save`` sets
    ``auto_now_add``; ``get_db_prep_save`` adapts JSON and datetimes) and binds
    them to the same SQL. Models with a parent, a database default, a field
    with its own placeholder, or ``pre_save``/``post_save`` receivers, and a
    database that cannot return the new id, take ``save()`` itself."""
    _insert(obj, ignore_conflicts=False)


def insert_unless_conflict(obj: Model) -> bool:
    """``insert(obj)`` unless a row already holds one of its unique values
    (``INSERT … ON CONFLICT DO NOTHING``; SQLite's ``INSERT OR IGNORE``): False,
    and nothing written, then. Where a race is expected (two events of one new
    call) this replaces a savepoint and a caught ``IntegrityError``: two
    round trips fewer. On SQLite ``OR IGNORE`` also skips a NOT NULL or CHECK
    violation, so a caller that finds no conflicting row must raise."""
    return _insert(obj, ignore_conflicts=True)


@dataclass
class _UpdatePlan:
    sql: str
    fields: list[Any]
    connection: Any


def _update_plan(model: type[Model], using: str, names: tuple[str, ...]) -> _UpdatePlan | None:
    key = (model, using, names)
    plans, connection, known = _kept_plan("updates", key, using)
    if known is not _MISSING:
        return cast("_UpdatePlan | None", known)
    meta = model._meta
    wanted = set(names)
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.primary_key and (f.name in wanted or f.attname in wanted)
    ]
    known_names = {f.name for f in fields} | {f.attname for f in fields}
    if (
        meta.parents
        or not wanted <= known_names
        or any(f.generated or hasattr(f, "get_placeholder") for f in fields)
    ):
        plans[key] = None  # the ORM's way, and its errors for a name that is no field
        return None
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608 (names from the model)
    plans[key] = plan = _UpdatePlan(sql=sql, fields=fields, connection=connection)
    return plan


def update(obj: Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` for a stored row of a plain model, with
    the UPDATE compiled once per model, set of fields, thread and database: each
    call prepares its values exactly as the ORM's update does (``pre_save``
    bumps ``auto_now``; ``get_db_prep_save`` adapts datetimes and JSON; a
    related object gives its id) and binds them to the same SQL. As ``save()``,
    it raises ``DatabaseError`` when no row was updated. A model with a parent
    or ``pre_save``/``post_save`` receivers, a field with its own placeholder,
    a value that is an expression, and an object with no id (refused as
    ``save()`` refuses it) take ``save()`` itself."""
    using = obj._state.db or DEFAULT_DB_ALIAS
    model = type(obj)
    plan = _update_plan(model, using, tuple(sorted(set(fields))))
    if plan is None or obj.pk is None or pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(update_fields=fields, using=using)
        return
    obj._prepare_related_fields_for_save(operation_name="save", fields=plan.fields)  # type: ignore[attr-defined]
    connection = plan.connection
    params: list[Any] = []
    for field in plan.fields:
        value = field.pre_save(obj, False)
        if hasattr(value, "resolve_expression"):
            obj.save(update_fields=fields, using=using)  # compiled per call: the ORM's way
            return
        if hasattr(value, "prepare_database_save"):
            value = value.prepare_database_save(field)
        params.append(field.get_db_prep_save(value, connection))
    params.append(obj.pk)
    with transaction.mark_for_rollback_on_error(using), statement_cursor(connection) as cursor:
        send(cursor, plan.sql, params)
        updated = cursor.rowcount
    if updated == 0:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.adding = False
    obj._state.db = using
