"""Makes moto's DynamoDB cost per request independent of how many items the tables hold, without
changing what any request answers (moto 5.2.5, pinned in common.sh).

Moto answers every Query by sorting every item of the table, and backs every TransactWriteItems
up by deep-copying every table it names: a test suite that writes tens of thousands of items
slows to a crawl as the emulator ages. Here:

- a transaction backs up only the items it names and puts exactly those back if it is cancelled
  (a transaction writes only the items it names, so that is the same rollback);
- a Query on the table's key looks only at that partition's items;
- a Query on a global secondary index looks only at the items whose index key has that value,
  from a map kept per table and index, rebuilt item by item after every write of that item.

Every DynamoDB request runs under the emulator's lock (emulator.py), so none of this races.
"""

import copy
import inspect
import itertools
import os
import sys
import threading
from collections import defaultdict

import moto.dynamodb.models as backend_module
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_local = threading.local()


def _item_at(table, hash_value, range_value):
    if table.range_key_attr:
        return table.items.get(hash_value, {}).get(range_value)
    return table.items.get(hash_value)


def _key_values(table, attrs):
    """The item's (hash, range) key as DynamoTypes, from a Key or an Item in request form."""
    if table.hash_key_attr not in attrs:
        return None
    range_value = None
    if table.range_key_attr:
        if table.range_key_attr not in attrs:
            return None
        range_value = DynamoType(attrs[table.range_key_attr])
    return DynamoType(attrs[table.hash_key_attr]), range_value


class _IndexMap:
    """For each global secondary index with one hash attribute: its value -> the items' keys."""

    def __init__(self, table):
        self.table = table
        self.hash_attr = {}
        for index in table.global_indexes or []:
            hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
            if len(hashes) == 1:
                self.hash_attr[index.name] = hashes[0]
        self.by_value = {name: defaultdict(set) for name in self.hash_attr}
        self.of_key = {}
        for partition in table.items.values():
            items = partition.values() if table.range_key_attr else [partition]
            for item in items:
                self.reindex(item.hash_key, item.range_key)

    def reindex(self, hash_value, range_value):
        key = (hash_value, range_value)
        for name, value in self.of_key.pop(key, {}).items():
            entries = self.by_value[name][value]
            entries.discard(key)
            if not entries:
                del self.by_value[name][value]
        item = _item_at(self.table, hash_value, range_value)
        if item is None:
            return
        placed = {}
        for name, attr in self.hash_attr.items():
            value = item.attrs.get(attr)
            if value is not None:
                self.by_value[name][value].add(key)
                placed[name] = value
        if placed:
            self.of_key[key] = placed

    def items(self, index_name, value):
        found = []
        for hash_value, range_value in self.by_value[index_name].get(value, ()):
            item = _item_at(self.table, hash_value, range_value)
            if item is not None:
                found.append(item)
        return found


def _reindex(backend, table_name, attrs):
    table = backend.tables.get(table_name)
    index_map = getattr(table, "_index_map", None) if table is not None else None
    if index_map is None:
        return
    key = _key_values(table, attrs)
    if key is not None:
        index_map.reindex(*key)


def _after_write(method, key_arg):
    def wrapped(self, table_name, *args, **kwargs):
        try:
            return method(self, table_name, *args, **kwargs)
        finally:
            attrs = args[0] if args else kwargs.get(key_arg)
            if isinstance(attrs, dict):
                _reindex(self, table_name, attrs)

    return wrapped


class _NoTableCopy:
    """moto's own transaction code deep-copies whole tables; handed tables back as they are."""

    @staticmethod
    def deepcopy(value, *args, **kwargs):
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, *args, **kwargs)


def _transact_write_items(original):
    def wrapped(self, transact_items):
        saved = []
        for entry in transact_items[:100]:
            op = next(iter(entry.values()), None)
            if not isinstance(op, dict):
                continue
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = _key_values(table, op.get("Item") or op.get("Key") or {})
            if key is None:
                continue
            saved.append((table, key, copy.deepcopy(_item_at(table, *key))))
        before = _snapshot(self, transact_items) if CHECK else None
        try:
            return original(self, transact_items)
        except BaseException:
            for table, (hash_value, range_value), item in reversed(saved):
                if table.range_key_attr:
                    partition = table.items[hash_value]
                    if item is None:
                        partition.pop(range_value, None)
                        if not partition:
                            del table.items[hash_value]
                    else:
                        partition[range_value] = item
                elif item is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = item
                index_map = getattr(table, "_index_map", None)
                if index_map is not None:
                    index_map.reindex(hash_value, range_value)
            if before is not None and _snapshot(self, transact_items) != before:
                print("emulator_speed: a cancelled transaction left its tables changed", file=sys.stderr)
                raise AssertionError("emulator_speed's rollback differs from moto's")
            raise

    return wrapped


def _snapshot(backend, transact_items):
    """The items a transaction names and its tables' sizes, as JSON (the check mode's rollback
    proof: a transaction writes only the items it names, so these are all it could leave changed)."""
    state = []
    for entry in transact_items[:100]:
        op = next(iter(entry.values()), None) if isinstance(entry, dict) else None
        table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
        if table is None:
            continue
        key = _key_values(table, op.get("Item") or op.get("Key") or {})
        item = _item_at(table, *key) if key is not None else None
        size = sum(len(p) for p in table.items.values()) if table.range_key_attr else len(table.items)
        state.append((table.name, size, repr(key), repr(item.to_json()) if item is not None else None))
    return state


def _all_items(original):
    def wrapped(self):
        narrowed = getattr(_local, "narrowed", None)
        if narrowed is not None and narrowed[0] is self:
            return narrowed[1]
        return original(self)

    return wrapped


def _query(original):
    signature = inspect.signature(original)

    def candidates(table, args):
        index_name = args.get("index_name")
        if not index_name:
            hash_value = args.get("hash_key")
            if hash_value is None:
                return None
            partition = table.items.get(hash_value)
            if partition is None:
                return []
            return list(partition.values()) if table.range_key_attr else [partition]
        if not any(index.name == index_name for index in table.global_indexes or []):
            return None
        index_map = getattr(table, "_index_map", None)
        if index_map is None:
            index_map = table._index_map = _IndexMap(table)
        attr = index_map.hash_attr.get(index_name)
        conditions = dict(args.get("hash_key_conditions") or [])
        if attr is None or attr not in conditions:
            return None
        return index_map.items(index_name, conditions[attr])

    def wrapped(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        narrowed = candidates(self, bound.arguments)
        if narrowed is None:
            return original(self, *args, **kwargs)
        _local.narrowed = (self, narrowed)
        try:
            answer = original(self, *args, **kwargs)
        finally:
            _local.narrowed = None
        if CHECK and _sampled():
            _same_answer(answer, original(self, *args, **kwargs))
        return answer

    return wrapped


# EMULATOR_SPEED_CHECK=1: one narrowed query in QUERY_CHECK_EVERY is answered a second time by
# moto's own code (whole table: checking every one doubled the API suite's time, as the tables
# grow through a run), and every cancelled transaction's items and table sizes are compared with
# a copy taken before it; a difference fails the request. Over a whole test run it proves that
# this module changes no answer and no rollback.
CHECK = os.environ.get("EMULATOR_SPEED_CHECK") == "1"
QUERY_CHECK_EVERY = 8
_queries = itertools.count()


def _sampled():
    return next(_queries) % QUERY_CHECK_EVERY == 0


def _same_answer(fast, slow):
    def plain(answer):
        items, scanned, last_key = answer
        return [item.to_json() for item in items], scanned, last_key

    if plain(fast) != plain(slow):
        print(f"emulator_speed: a narrowed query answered {plain(fast)!r}, moto {plain(slow)!r}", file=sys.stderr)
        raise AssertionError("emulator_speed changed a query's answer")


def install():
    backend_module.copy = _NoTableCopy
    DynamoDBBackend.transact_write_items = _transact_write_items(DynamoDBBackend.transact_write_items)
    DynamoDBBackend.put_item = _after_write(DynamoDBBackend.put_item, "item_attrs")
    DynamoDBBackend.update_item = _after_write(DynamoDBBackend.update_item, "key")
    DynamoDBBackend.delete_item = _after_write(DynamoDBBackend.delete_item, "key")
    Table.all_items = _all_items(Table.all_items)
    Table.query = _query(Table.query)
