"""The table definitions, the descriptor and the codebook made from them."""

from __future__ import annotations

import datetime as dt

from assembly.exports.datapackage import (
    PACKAGE_PROFILE,
    TABLES,
    TABLES_BY_NAME,
    FileFacts,
    PackageInfo,
    codebook,
    descriptor,
)

INFO = PackageInfo(
    slug="harbour",
    title="Harbour",
    created=dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC),
    privacy={"pseudonymisation": {"description": "fresh key"}, "suppression": {"k": 5}},
)
REQUIRED_TABLES = {
    "assemblies",
    "topics",
    "proposals",
    "arguments",
    "reactions",
    "ballots",
    "participants",
    "results",
    "practice_links",
    "sortition_selections",
    "sortition_probabilities",
    "table_notes",
    "demographic_breakdowns",
    "suppression_log",
}


def test_every_required_table_is_defined_with_unique_columns() -> None:
    assert set(TABLES_BY_NAME) >= REQUIRED_TABLES
    for table in TABLES:
        assert len(set(table.header)) == len(table.header), table.name
        for key in table.primary_key:
            assert key in table.header, (table.name, key)
        for fk in table.foreign_keys:
            target = TABLES_BY_NAME[fk.resource or table.name]
            assert set(fk.fields) <= set(table.header)
            assert set(fk.reference) <= set(target.header)


def test_descriptor_is_v2_with_schemas_keys_and_integrity() -> None:
    tables = [TABLES_BY_NAME["proposals"], TABLES_BY_NAME["topics"]]
    package = descriptor(INFO, tables, {"proposals.csv": FileFacts(10, "ab" * 32)})
    assert package["$schema"] == PACKAGE_PROFILE
    assert package["name"] == "assembly-harbour"
    assert package["created"] == "2025-03-01T12:00:00Z"
    proposals = package["resources"][0]
    assert proposals["path"] == "proposals.csv"
    assert proposals["type"] == "table"
    assert proposals["bytes"] == 10
    assert proposals["hash"] == "sha256:" + "ab" * 32
    schema = proposals["schema"]
    assert schema["primaryKey"] == ["proposal_id"]
    self_reference = next(fk for fk in schema["foreignKeys"] if fk["fields"] == ["merged_into_id"])
    assert "resource" not in self_reference["reference"]
    topic_fk = next(fk for fk in schema["foreignKeys"] if fk["fields"] == ["topic_id"])
    assert topic_fk["reference"] == {"resource": "topics", "fields": ["topic_id"]}
    status = next(f for f in schema["fields"] if f["name"] == "status")
    assert status["constraints"]["enum"] == ["visible", "hidden", "merged"]
    assert "hash" not in package["resources"][1]
    assert package["assembly:privacy"] == INFO.privacy


def test_json_lines_descriptor_points_at_jsonl_files() -> None:
    package = descriptor(INFO, [TABLES_BY_NAME["ballots"]], suffix=".jsonl")
    assert package["resources"][0]["path"] == "ballots.jsonl"
    assert package["resources"][0]["format"] == "jsonl"


def test_codebook_explains_every_column_of_every_table() -> None:
    text = codebook(INFO, TABLES)
    for table in TABLES:
        assert f"### {table.name}.csv: {table.title}" in text
        for field in table.fields:
            assert f"| {field.name} | {field.type} |" in text, (table.name, field.name)
    assert "assembly recount PACKAGE_DIR" in text
    assert "fresh key" in text
