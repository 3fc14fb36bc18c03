"""Files as exports write them, read with no preprocessing: delimiter and encoding detected,
BOMs stripped, gzip opened, quoted multi-line fields kept whole, JSON arrays read like JSON
lines; and a plain feedback file maps itself from its header, saying how."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from indexer.dryrun import dry_run, mask_email
from indexer.sources import connector_for_file, make_connector
from indexer.sources.base import Bad, Parsed
from indexer.sources.diagnose import duplicate_hint, fail_fast, reason_kind
from indexer.sources.field_guess import guess_field_map, guess_text_columns, parse_rating
from indexer.sources.mapped import MappingError
from indexer.sources.readers import FileOptions, open_records, sniff_delimiter
from voxindex.model import ValidationError

BYO = Path(__file__).resolve().parent / "fixtures" / "byo"


def read_all(connector, path):
    items = list(connector.read(path))
    return [i for i in items if isinstance(i, Parsed)], [i for i in items if isinstance(i, Bad)]


def read_export(tmp_path, name, text, **options):
    """An export file written as given, read by the generic CSV connector: (connector, good, bad)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    connector = make_connector("csv", **options)
    return (connector, *read_all(connector, path))


def test_tsv_with_bom_and_textual_dates_reads_with_a_guessed_map():
    connector = make_connector("csv")
    good, bad = read_all(connector, BYO / "reviews.tsv")
    found = connector.last_file
    assert (found.delimiter, found.encoding) == ("\t", "UTF-8 with BOM")
    assert found.columns[0] == "rating"  # no BOM glued to the first header
    assert connector.field_map == {"text": "verified_reviews", "created_at": "date", "rating": "rating"}
    assert "guessed from the header" in connector.map_note and "id<-hash(row)" in connector.map_note
    assert (len(good), len(bad)) == (8, 0)
    assert sum(1 for p in good if not p.units) == 1  # the blank review: counted as empty, not lost
    first = good[0].units[0]
    assert (first.text, first.rating, first.created_at.isoformat()) == ("Love my Echo!", 5.0, "2018-07-31T00:00:00+00:00")
    # no id column: the row is the id; an identical row is another reviewer, told apart by occurrence
    assert good[6].record_id == good[0].record_id + "-2"
    again, _ = read_all(make_connector("csv"), BYO / "reviews.tsv")
    assert [p.record_id for p in again] == [p.record_id for p in good]  # stable across runs
    assert good[5].units[0].text == '"Stopped working" after a week.\tWould not buy again.'  # quoted tab kept


def test_tweets_with_spreadsheet_dates_and_multiline_quotes():
    connector = make_connector("csv", time_format=["%d-%m-%Y %H.%M"])
    good, bad = read_all(connector, BYO / "tweets.csv")
    assert (len(good), len(bad)) == (12, 0)
    multi = next(p for p in good if "rebooked" in p.units[0].text)
    assert multi.units[0].text.endswith("before I landed.\nSecond time this month.")
    assert multi.raw_ref == "tweets.csv#L6" and good[5].raw_ref == "tweets.csv#L8"  # line numbers stay physical
    assert len({p.record_id for p in good}) == 6  # ids mangled to 5.70301E+17 by a spreadsheet

    derived = make_connector("csv", time_format=["%d-%m-%Y %H.%M"], id_from=["text", "created_at"])
    good, _ = read_all(derived, BYO / "tweets.csv")
    assert len({p.record_id for p in good}) == 12


def test_semicolons_and_cp1252_are_detected_and_encoding_can_be_forced(tmp_path):
    connector = make_connector("csv", time_format=["%d/%m/%Y %H:%M"])
    good, bad = read_all(connector, BYO / "feedback_eu.csv")
    assert connector.last_file.delimiter == ";" and connector.last_file.encoding.startswith("cp1252")
    assert [p.units[0].text for p in good][:2] == ["Le paiement a échoué deux fois, 49,00 € débités", "Die App stürzt beim Export ab – bitte prüfen"]
    assert good[2].units[0].text == "Can’t find the “download invoice” button anymore"
    assert good[0].units[0].author_email == "anne@example.fr" and not bad

    forced = make_connector("csv", time_format=["%d/%m/%Y %H:%M"], encoding="latin-1")
    good, _ = read_all(forced, BYO / "feedback_eu.csv")
    assert "€" not in good[0].units[0].text  # latin-1 has no euro sign: the override was used


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "cp1252"])
def test_common_encodings_read_the_same_text(tmp_path, encoding):
    text = (BYO / "feedback_eu.csv").read_bytes().decode("cp1252")
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    good, bad = read_all(make_connector("csv", time_format=["%d/%m/%Y %H:%M"]), path)
    assert not bad and good[3].units[0].text == "Très lent depuis la mise à jour"


def test_gzip_files_are_read_as_they_are(tmp_path):
    path = tmp_path / "tweets.csv.gz"
    path.write_bytes(gzip.compress((BYO / "tweets.csv").read_bytes()))
    assert connector_for_file(path) == "csv"
    connector = make_connector("csv", time_format=["%d-%m-%Y %H.%M"])
    good, bad = read_all(connector, path)
    assert (len(good), len(bad), connector.last_file.compressed) == (12, 0, True)
    jpath = tmp_path / "posts.jsonl.gz"
    jpath.write_bytes(gzip.compress((BYO / "posts.jsonl").read_bytes()))
    good, _ = read_all(make_connector(connector_for_file(jpath)), jpath)
    assert [p.record_id for p in good] == ["p1", "p2", "p3"]


def test_a_big_export_is_read_as_a_stream_and_judged_by_all_of_its_bytes(tmp_path):
    """Delimited text and JSON lines are read line by line, never held whole; the UTF-8 check still
    sees every byte: one cp1252 byte past the first megabytes makes the whole file cp1252."""
    rows = ["id,message,created_at"] + [f"r{i},Export row {i} is fine,2026-09-01T10:00:00Z" for i in range(60_000)]
    rows.append("r-last,Caf\xe9 au lait was cold,2026-09-01T11:00:00Z")
    path = tmp_path / "big.csv"
    path.write_bytes("\n".join(rows).encode("cp1252") + b"\n")
    assert path.stat().st_size > 2_000_000
    opened = open_records(path, "csv")
    assert opened.encoding.startswith("cp1252") and opened.columns == ["id", "message", "created_at"]
    first = next(opened.records)
    assert first.raw_ref == "big.csv#L2" and first.record["message"] == "Export row 0 is fine"
    last = list(opened.records)[-1]
    assert last.raw_ref == "big.csv#L60002" and last.record["message"] == "Café au lait was cold"


def test_json_lines_end_only_at_line_breaks(tmp_path):
    """U+2028 may stand raw inside a JSON string; it is not the end of a line (str.splitlines says it is)."""
    path = tmp_path / "posts.jsonl"
    lines = [json.dumps({"id": "p1", "body": "first\u2028line", "created_at": "2026-09-01T10:00:00Z"}, ensure_ascii=False),
             "", json.dumps({"id": "p2", "body": "second", "created_at": "2026-09-01T11:00:00Z"})]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    records = list(open_records(path, "jsonl").records)
    assert [(r.raw_ref, r.error) for r in records] == [("posts.jsonl#L1", None), ("posts.jsonl#L3", None)]
    assert records[0].record["body"] == "first\u2028line"


def test_a_forced_encoding_still_drops_the_byte_order_mark(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (BYO / "posts.jsonl").read_bytes().lstrip(b"\xef\xbb\xbf"))
    good, bad = read_all(make_connector("jsonl", encoding="utf-8"), path)
    assert [p.record_id for p in good] == ["p1", "p2", "p3"] and not bad
    quoted = tmp_path / "quoted.csv"  # a quote right after the mark opens the field only once it is gone
    quoted.write_bytes(b'\xef\xbb\xbf"id","message","created_at"\r\nq1,"Hello, world",2026-09-01T10:00:00Z\r\n')
    opened = open_records(quoted, "csv", FileOptions(encoding="utf-8"))
    assert opened.columns == ["id", "message", "created_at"]
    assert next(opened.records).record == {"id": "q1", "message": "Hello, world", "created_at": "2026-09-01T10:00:00Z"}


def write_workbook(path, sheets):
    """An .xlsx as Excel saves one: {sheet title: rows of cell values}, a hidden sheet marked '~'."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title.lstrip("~"))
        if title.startswith("~"):
            ws.sheet_state = "hidden"
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_an_excel_workbook_reads_like_its_csv(tmp_path):
    rows = [["tweet_id", "text", "tweet_created", "stars", "airline"],
            [570306133677760513, "Flight cancelled twice, no rebooking", datetime(2015, 2, 24, 11, 35, 52), 1.0, "United"],
            [None, None, None, None, None],  # a blank row between records: skipped, not an error
            [570301130888122368, "Crew were lovely, thanks!", "2015-02-24 11:15:59 -0800", 5, "Virgin"],
            [1234, "Late bag", datetime(2015, 2, 25, 8, 0), 2, "United", "stray cell"]]
    path = write_workbook(tmp_path / "export.xlsx", {"~Notes": [["hidden", "sheet"]], "Empty": [], "Tweets": rows,
                                                     "Pivot": [["airline", "count"]]})
    assert connector_for_file(path) == "csv"
    renamed = path.rename(tmp_path / "export.bin")  # detected by content too
    assert connector_for_file(renamed) == "csv"
    connector = make_connector("csv", field_map={"text": "text", "created_at": "tweet_created", "id": "tweet_id",
                                                 "rating": "stars", "account_id": "airline"})
    good, bad = read_all(connector, renamed)
    found = connector.last_file
    assert found.format == "xlsx" and found.columns == ["tweet_id", "text", "tweet_created", "stars", "airline"]
    assert "sheet 'Tweets' (not read: 'Notes', 'Empty', 'Pivot'; choose another with --sheet)" in found.describe()
    assert [p.raw_ref for p in good] == ["export.bin!Tweets#R2", "export.bin!Tweets#R4"]
    first, second = good[0].units[0], good[1].units[0]
    # a date cell keeps its clock time and is read in the deployment's zone (UTC here); text dates as in a CSV
    assert first.created_at.isoformat() == "2015-02-24T11:35:52+00:00" and first.rating == 1.0
    assert second.created_at.isoformat() == "2015-02-24T19:15:59+00:00" and second.account_id == "Virgin"
    # an 18-digit id stored as a number has already lost digits: written as a spreadsheet shows it
    assert good[0].record_id == "5.70306133677761E+17"
    assert [b.raw_ref for b in bad] == ["export.bin!Tweets#R5"] and "past the header's 5 columns" in bad[0].reason


def test_a_dead_lettered_workbook_row_points_back_to_its_row(tmp_path):
    from indexer.deadletter import DeadLetter, pointer_status, pointer_text

    rows = [["id", "text", "created_at"], [1, "ok", "2026-01-01"], [2, "fine", "2026-01-02", "stray"]]
    path = write_workbook(tmp_path / "export.xlsx", {"Replies": rows})
    bad = [r for r in open_records(path, "csv").records if r.error]
    letter = DeadLetter.build(connector="csv", source="chat", raw_ref=bad[0].raw_ref, payload=bad[0].payload,
                              reason=bad[0].error, stage="parse", run_id="r", source_path=str(path)).to_doc()
    assert pointer_text(letter) == "row 3 of sheet 'Replies'" and pointer_status(letter) == "same"
    write_workbook(path, {"Replies": [*rows[:2], rows[2][:3]]})  # the stray cell cleared
    assert pointer_status(letter) == "changed"


@pytest.mark.parametrize("name,encode", [
    ("eu.csv", lambda t: t.encode("cp1252")),
    ("eu.csv.gz", lambda t: gzip.compress(t.encode("utf-8"))),
    ("eu16.csv", lambda t: t.encode("utf-16")),
])
def test_a_dead_letter_from_a_cp1252_gzip_or_utf16_file_points_back_to_the_same_bytes(tmp_path, name, encode):
    """The pointer is read back decoded as the reader decoded it: read as UTF-8 text, an untouched
    cp1252 file was reported `changed` and a gzip'd one `missing`."""
    from indexer.deadletter import DeadLetter, pointer_status

    text = "id,message,created_at\r\nr1,Café ok,2026-09-01T10:00:00Z\r\nr2,Crème brûlée,stray,2026-09-01T11:00:00Z\r\n"
    path = tmp_path / name
    path.write_bytes(encode(text))
    bad = [r for r in open_records(path, "csv").records if r.error]
    letter = DeadLetter.build(connector="csv", source="chat", raw_ref=bad[0].raw_ref, payload=bad[0].payload,
                              reason=bad[0].error, stage="parse", run_id="r", source_path=str(path)).to_doc()
    assert (bad[0].raw_ref, pointer_status(letter)) == (f"{name}#L3", "same")
    path.write_bytes(encode(text.replace("brûlée", "brulee")))
    assert pointer_status(letter) == "changed"


def test_a_named_sheet_is_read_instead_and_keeps_its_own_cursor(tmp_path):
    from indexer.deadletter import DeadLetter, pointer_status

    path = write_workbook(tmp_path / "survey.xlsx", {
        "Summary": [["question", "score"], ["NPS", 41]],
        "~Responses": [["id", "comment", "submitted"], [1, "Export is slow", "2026-09-01 10:00"],
                       [2, "Love the new editor", "2026-09-02 11:00", "stray"]],
    })
    with pytest.raises(MappingError, match=r"no 'text' column found; the file's columns are: question, score\. .*"
                                           r"\(read sheet 'Summary' \(not read: 'Responses'; choose another with --sheet\)\)"):
        list(make_connector("csv").read(path))  # the first visible sheet is a summary: the error names the others
    assert make_connector("csv").config_key() == ""
    chosen = make_connector("csv", sheet="responses")  # hidden sheets too, when named; case does not matter
    good, bad = read_all(chosen, path)
    assert [p.units[0].text for p in good] == ["Export is slow"] and [b.raw_ref for b in bad] == ["survey.xlsx!Responses#R3"]
    assert "sheet 'Responses' (not read: 'Summary')" in chosen.last_file.describe()
    assert chosen.config_key() not in ("", make_connector("csv", sheet="Summary").config_key())  # a cursor per sheet
    letter = DeadLetter.build(connector="csv", source="chat", raw_ref=bad[0].raw_ref, payload=bad[0].payload,
                              reason=bad[0].reason, stage="parse", run_id="r", source_path=str(path)).to_doc()
    assert pointer_status(letter) == "same"  # the pointer reads its own sheet back, not the first one
    with pytest.raises(ValueError, match=r"survey.xlsx has no sheet 'Replies'; its sheets: 'Summary', 'Responses'"):
        list(make_connector("csv", sheet="Replies").read(path))
    with pytest.raises(ValueError, match="not an Excel workbook: --sheet"):
        list(make_connector("csv", sheet="Responses").read(BYO / "tweets.csv"))


def test_a_workbook_given_to_a_json_connector_says_what_to_do(tmp_path):
    path = write_workbook(tmp_path / "posts.xlsx", {"Sheet": [["id", "text"], [1, "hi"]]})
    with pytest.raises(ValueError, match="Excel workbook.*--source csv"):
        open_records(path, "jsonl")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # a Compound File header
    with pytest.raises(ValueError, match=r"97-2003 workbook \(\.xls\) or a password-protected one.*save it as \.xlsx"):
        open_records(old, "csv")
    empty = write_workbook(tmp_path / "empty.xlsx", {"Sheet": []})
    rf = open_records(empty, "csv")
    assert rf.columns == [] and list(rf.records) == [] and "no sheet has a header row" in rf.describe()


def test_json_array_and_jsonl_with_epoch_times():
    connector = make_connector("jsonl")
    good, bad = read_all(connector, BYO / "survey_export.json")
    assert connector.last_file.format == "json" and not bad
    assert connector.field_map == {"text": "comment", "created_at": "submitted", "id": "response_id", "rating": "score"}
    assert [p.record_id for p in good] == ["101", "102", "103"] and good[0].raw_ref == "survey_export.json#[0]"
    assert not good[2].units  # blank comment: empty

    good, _ = read_all(make_connector("jsonl"), BYO / "posts.jsonl")
    times = [p.units[0].created_at.isoformat() for p in good]
    assert times == ["2026-01-01T10:00:00+00:00", "2026-01-01T11:00:00+00:00", "2026-01-01T11:30:00+00:00"]


def test_a_json_array_is_read_item_by_item_across_chunks(tmp_path, monkeypatch):
    import indexer.sources.readers as readers

    monkeypatch.setattr(readers, "JSON_CHUNK", 7)  # every item, string and number cut somewhere
    items = [{"id": f"r{i}", "comment": f"Réponse {i}: \"slow\", [really]", "submitted": 1767225600 + i, "score": 10 - i}
             for i in range(5)]
    path = tmp_path / "export.json"
    path.write_text("\ufeff[\n" + ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items) + "\n]\n", encoding="utf-8")
    opened = open_records(path, "jsonl")
    records = list(opened.records)
    assert opened.format == "json" and opened.columns == ["id", "comment", "submitted", "score"]
    assert [r.raw_ref for r in records] == [f"export.json#[{i}]" for i in range(5)]
    assert [r.record for r in records] == items and records[4].payload == json.dumps(items[4], ensure_ascii=False)
    path.write_text("[1234567, 89]")
    assert [r.error for r in open_records(path, "jsonl").records] == ["bad JSON: expected an object, got int"] * 2
    path.write_text("[]")
    assert list(open_records(path, "jsonl").records) == []


def test_a_broken_json_array_keeps_what_came_before_the_break(tmp_path):
    path = tmp_path / "export.json"
    path.write_text('[\n{"id": "a", "comment": "fine", "submitted": 1767225600},\n{"id": "b", "comment": "cut off\n')
    records = list(open_records(path, "jsonl").records)
    assert [r.record["id"] for r in records[:-1]] == ["a"]
    assert records[-1].raw_ref == "export.json#L3" and records[-1].error.startswith("bad JSON array: ")
    assert records[-1].error.endswith("(line 3; the record before it was read)")
    path.write_text('[{"id": "a"}] {"id": "b"}')
    assert list(open_records(path, "jsonl").records)[-1].error.startswith("bad JSON array: extra data after the array")


def test_an_object_wrapping_one_array_of_records(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"meta": {"count": 2}, "data": [{"id": 1, "body": "a", "created_at": "2026-01-01"},
                                                               {"id": 2, "body": "b", "created_at": "2026-01-02"}]}, indent=1))
    good, bad = read_all(make_connector("jsonl"), path)
    assert [p.record_id for p in good] == ["1", "2"] and not bad


def test_nested_json_objects_map_by_dotted_names(tmp_path):
    path = tmp_path / "export.json"
    path.write_text(json.dumps({"reviews": [
        {"review": {"id": "r1", "text": "Checkout froze on step 3", "created": "2026-02-01T09:00:00Z", "stars": 2},
         "user": {"name": "Ana", "email": "ana@example.com"}},
    ]}))
    connector = make_connector("jsonl")
    good, bad = read_all(connector, path)
    assert connector.field_map == {"text": "review.text", "created_at": "review.created", "id": "review.id",
                                   "email": "user.email", "name": "user.name", "rating": "review.stars"}
    unit = good[0].units[0]
    assert (good[0].record_id, unit.text, unit.author_name, unit.rating) == ("r1", "Checkout froze on step 3", "Ana", 2.0)


def test_delimiter_sniffing_and_trailing_delimiters(tmp_path):
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("a|b\n") == "|"
    assert sniff_delimiter('"x, y",b\tc\n', "f.tsv") == "\t"
    assert sniff_delimiter("text\nhello, world\n") == ","  # one column: comma, harmless
    path = tmp_path / "f.csv"
    path.write_text("id,text,date,\n1,hello,2026-01-01,\n2,bye,2026-01-02\n")
    rf = open_records(path, "csv")
    records = list(rf.records)
    assert [r.record["text"] for r in records] == ["hello", "bye"] and all(r.error is None for r in records)
    forced = open_records(path, "csv", FileOptions(delimiter="\t"))
    assert forced.columns == ["id,text,date,"]


def test_header_guessing_covers_common_names():
    assert guess_field_map(["Review ID", "Star Rating", "Review Text", "Submitted At", "Customer Email"]) == {
        "text": "Review Text", "created_at": "Submitted At", "id": "Review ID", "email": "Customer Email", "rating": "Star Rating",
    }
    assert guess_field_map(["body", "timestamp", "user", "stars"]) == {"text": "body", "created_at": "timestamp", "name": "user", "rating": "stars"}
    # camelCase headers, as a public product-review dump writes them: reviewerID is an id, not the text
    amazon = ["reviewerID", "asin", "reviewerName", "helpful", "reviewText", "overall", "summary", "unixReviewTime", "reviewTime"]
    assert guess_field_map(amazon) == {"text": "reviewText", "created_at": "unixReviewTime", "name": "reviewerName",
                                       "rating": "overall", "title": "summary"}
    assert guess_field_map(["tweetId", "createdAt", "userName", "tweetText"]) == {
        "text": "tweetText", "created_at": "createdAt", "id": "tweetId", "name": "userName"}
    # a review-site export whose every column starts with "Review": the text is the one that names no date,
    # id or title (it used to take "Review Created (UTC)")
    trustpilot = ["Review Created (UTC)", "Review Consumer User Id", "Review Title", "Review Content", "Review Stars",
                  "Reference Id", "Reviewer Name"]
    assert guess_field_map(trustpilot) == {"text": "Review Content", "created_at": "Review Created (UTC)",
                                           "name": "Reviewer Name", "rating": "Review Stars", "title": "Review Title"}
    assert guess_field_map(["id_str", "full_text", "created_at"])["id"] == "id_str"  # a tweet's own id, not a row hash
    # survey and chat exports: the feedback column, the submission or conversation id, an NPS score
    assert guess_field_map(["Submission ID", "Submitted at", "Contact email", "NPS score", "Feedback"]) == {
        "text": "Feedback", "created_at": "Submitted at", "id": "Submission ID", "email": "Contact email", "rating": "NPS score"}
    assert guess_field_map(["Conversation ID", "Created at (UTC)", "User ID", "Conversation first message"]) == {
        "text": "Conversation first message", "created_at": "Created at (UTC)", "id": "Conversation ID"}
    assert guess_field_map(["Start Date (UTC)", "Submit Date (UTC)", "Comments"])["created_at"] == "Submit Date (UTC)"
    # an app store console's review export: the review's language, app version name and link come along
    play = ["Package Name", "App Version Code", "App Version Name", "Reviewer Language", "Device", "Review Submit Date and Time",
            "Review Submit Millis Since Epoch", "Star Rating", "Review Title", "Review Text", "Developer Reply Text", "Review Link"]
    assert guess_field_map(play) == {"text": "Review Text", "created_at": "Review Submit Date and Time", "rating": "Star Rating",
                                     "title": "Review Title", "locale": "Reviewer Language", "app_version": "App Version Name",
                                     "url": "Review Link"}
    # a chat tool dates a conversation by when it started; a feature-request board calls the post's body its details
    assert guess_field_map(["Conversation ID", "Conversation started at", "Conversation first message"])["created_at"] == "Conversation started at"
    assert guess_field_map(["Post ID", "Title", "Details", "Author Email", "Created At"])["text"] == "Details"


def test_a_survey_export_whose_header_is_the_question_finds_the_answers_by_their_values(tmp_path):
    # a form tool's export names each column by its question: no header says "text"
    connector, good, bad = read_export(tmp_path, "responses.csv",
        "#,How likely are you to recommend us? (0-10),What could we do better?,Anything else?,Start Date (UTC),Submit Date (UTC),Network ID\n"
        "a1,3,The export to Excel times out on every large report,no,2026-02-01 09:00:00,2026-02-01 09:02:10,4f2a9c\n"
        "a2,9,Honestly nothing; the new dashboard saved me an hour a week,,2026-02-01 10:00:00,2026-02-01 10:01:00,77b1e0\n"
        "a3,6,Support took four days to answer a billing question,thanks,2026-02-02 11:00:00,2026-02-02 11:03:00,c0ffee\n")
    assert not bad and [p.units[0].text for p in good][0] == "The export to Excel times out on every large report"
    assert connector.field_map["text"] == "What could we do better?"
    assert connector.field_map["created_at"] == "Submit Date (UTC)"
    assert "text from the values" in connector.map_note and "not used:" in connector.map_note
    assert "Anything else?" in connector.map_note.split("not used:")[1]  # the shorter answers are named, not lost silently


def test_a_column_counts_as_free_text_only_when_its_values_are_prose():
    rows = [{"when": "2026-01-02 10:00", "who": "ann@example.com", "score": "7", "code": "AB-1234-XY", "why": "Too slow to load"},
            {"when": "2026-01-03 11:00", "who": "bob@example.com", "score": "9", "code": "CD-9876-ZZ", "why": "ok"}]
    assert guess_text_columns(list(rows[0]), rows) == []  # "Too slow to load" / "ok": 2.5 words on average
    rows[1]["why"] = "Fine, but the search misses older tickets"
    assert guess_text_columns(list(rows[0]), rows) == ["why"]
    assert guess_text_columns(list(rows[0]), rows, taken={"why"}) == []
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    assert guess_text_columns(["ua"], [{"ua": agent}] * 3) == []  # many tokens, few of them words


def test_a_qualtrics_export_s_extra_header_rows_are_headers_and_its_questions_the_context(tmp_path):
    path = tmp_path / "qualtrics.csv"
    path.write_text(
        'StartDate,EndDate,Status,IPAddress,RecordedDate,ResponseId,UserLanguage,Q1,Q2_TEXT,Q3_TEXT\n'
        'Start Date,End Date,Response Type,IP Address,Recorded Date,Response ID,User Language,'
        'How likely are you to recommend us?,What is the main reason for your score?,What should we build next?\n'
        '"{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}","{""ImportId"":""ipAddress""}",'
        '"{""ImportId"":""recordedDate""}","{""ImportId"":""_recordId""}","{""ImportId"":""userLanguage""}",'
        '"{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}","{""ImportId"":""QID3_TEXT""}"\n'
        '2026-04-01 09:00:00,2026-04-01 09:04:00,IP Address,203.0.113.9,2026-04-01 09:04:01,R_1a,EN,3,'
        'Reports take minutes to load every morning,A faster export to spreadsheets\n'
        '2026-04-02 10:00:00,2026-04-02 10:02:00,IP Address,203.0.113.10,2026-04-02 10:02:02,R_2b,EN,9,'
        'The onboarding call was genuinely helpful,\n', encoding="utf-8")
    connector = make_connector("csv")
    rf = connector.open(path)
    assert "2 more header rows (question text, import ids) read as headers, not records" in rf.describe()
    good, bad = read_all(make_connector("csv"), path)
    assert not bad and [p.record_id for p in good] == ["R_1a", "R_2b"]  # no header row became a record or a dead letter
    units = [u for p in good for u in p.units]
    assert [u.text for u in units] == ["Reports take minutes to load every morning", "A faster export to spreadsheets",
                                       "The onboarding call was genuinely helpful"]
    assert units[1].context[-1].text == "What should we build next?"  # the question, not its column id Q3_TEXT
    assert units[0].created_at.isoformat().startswith("2026-04-01T09:04:01")  # RecordedDate, when the response was recorded


def test_a_surveymonkey_export_s_answer_kind_row_is_a_header(tmp_path):
    path = tmp_path / "surveymonkey.csv"
    path.write_text(
        "Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,Which plan are you on?,,"
        "What is the primary reason for your score?\n"
        ",,,,,,Response,Other (please specify),Open-Ended Response\n"
        "114000001,4200,04/01/2026 09:00:00 AM,04/01/2026 09:03:00 AM,203.0.113.9,,Team,,The mobile app logs me out every single day\n",
        encoding="utf-8")
    connector = make_connector("csv", time_format=["%m/%d/%Y %I:%M:%S %p"])
    assert "1 more header row (answer kinds) read as headers" in connector.open(path).describe()
    good, bad = read_all(connector, path)
    assert not bad and [p.record_id for p in good] == ["114000001"]
    assert [u.text for p in good for u in p.units] == ["The mobile app logs me out every single day"]
    assert connector.field_map["created_at"] == "End Date" and good[0].units[0].created_at.hour == 9


def test_an_unnamed_last_column_of_answers_is_read_and_a_trailing_delimiter_changes_no_record(tmp_path):
    connector, good, bad = read_export(tmp_path, "sm.csv",
        "Respondent ID,End Date,What should we improve?,Which tool did you use before?,\n"
        ",,Open-Ended Response,Response,Other (please specify)\n"
        "1,2026-01-01 10:05,The search is slow on big projects,Other,We kept a shared spreadsheet of bugs\n"
        "2,2026-01-02 10:05,Dashboards should load faster please,Trello\n")
    assert not bad  # the second row stops before the unnamed column: no wrong column count
    other = [u for p in good for u in p.units if u.text.startswith("We kept")]
    assert other and other[0].context[-1].text == "Which tool did you use before? (Other (please specify))"
    plain = tmp_path / "plain.csv"
    plain.write_text("review,date,\nlovely app really,2026-01-01,\n", encoding="utf-8")
    record = next(open_records(plain, "csv").records).record
    assert record == {"review": "lovely app really", "date": "2026-01-01"}  # as before: same row hash, same id


def test_a_forum_export_s_vote_score_is_not_taken_for_a_rating(tmp_path):
    connector, good, bad = read_export(tmp_path, "posts.csv",
        "id,created_utc,title,selftext,score\n"
        "t3_a,1767225600,Sync broke,Since the update my notes do not sync to the phone,1523\n"
        "t3_b,1767229200,Pricing,Why did the team plan double in price this year?,-4\n")
    assert not bad and "rating" not in connector.field_map and all(u.rating is None for p in good for u in p.units)
    assert "not a rating: score (values -4 to 1523: votes or counts, not a rating)" in connector.map_note
    connector, good, _ = read_export(tmp_path, "reviews.csv",
        "id,date,review,score\nr1,2026-01-01,Works well on my tablet,4\nr2,2026-01-02,Crashes on start,1\n")
    assert connector.field_map["rating"] == "score" and [p.units[0].rating for p in good] == [4.0, 1.0]


def test_every_answer_column_of_a_survey_is_a_unit_read_after_its_question(tmp_path):
    connector, good, bad = read_export(tmp_path, "g2.csv",
        "Submitted,What do you like best?,What do you dislike?,Role\n"
        "2026-03-01,The dashboards are quick to build and easy to share,Exports to PDF lose the chart colours,Manager\n"
        "2026-03-02,Great support team that answers within the hour,,Analyst\n")
    assert not bad and connector.field_map["text"] == "What do you like best?+What do you dislike?"
    units = [u for p in good for u in p.units]
    assert [u.text for u in units] == ["The dashboards are quick to build and easy to share",
                                       "Exports to PDF lose the chart colours", "Great support team that answers within the hour"]
    assert len({u.unit_id for u in units}) == 3 and all(u.speaker_role == "customer" for u in units)
    dislike = units[1]
    assert dislike.context[-1].text == "What do you dislike?" and dislike.context[-1].speaker_role == "system"
    assert "not used: Role" in connector.map_note
    again = make_connector("csv", field_map={"text": "What do you dislike?"})
    good, _ = read_all(again, tmp_path / "g2.csv")
    assert [u.text for p in good for u in p.units] == ["Exports to PDF lose the chart colours"]


def test_a_binary_file_is_refused_with_what_to_do_not_read_as_garbage_columns(tmp_path):
    from indexer.sources.readers import UnreadableFile

    path = tmp_path / "export.csv"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    with pytest.raises(UnreadableFile, match="does not look like a text export.*Export the feedback as CSV"):
        open_records(path, "csv")
    with pytest.raises(UnreadableFile, match="does not look like a text export"):
        open_records(path, "jsonl")
    fine = tmp_path / "fine.csv"
    fine.write_text("id\ttext\tcreated_at\n1\tok\t2026-01-01\n", encoding="utf-8")
    assert open_records(fine, "csv").columns == ["id", "text", "created_at"]


def test_a_file_without_text_or_date_column_is_refused_with_its_columns(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("alpha,beta\n1,2\n")
    with pytest.raises(MappingError, match="no 'text' column found; the file's columns are: alpha, beta. Map one with --map text=COLUMN"):
        list(make_connector("csv").read(path))
    with pytest.raises(MappingError, match="--map names columns the file does not have"):
        list(make_connector("csv", field_map={"text": "body"}).read(BYO / "reviews.tsv"))


def test_an_export_without_dates_is_dated_by_the_file_only_when_asked(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("Clothing ID,Review Text,Rating\n767,Absolutely wonderful - silky and sexy,4\n1080,Runs small,2\n")
    with pytest.raises(MappingError, match="no 'created_at' column found.*--map created_at=@file"):
        list(make_connector("csv").read(path))
    connector = make_connector("csv", field_map={"created_at": "@file"})
    good, bad = read_all(connector, path)
    assert not bad and {p.units[0].created_at for p in good} == {datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)}
    assert connector.field_map["text"] == "Review Text" and good[0].units[0].rating == 4.0


def test_fail_fast_needs_the_same_reason_across_the_first_records():
    same = [Bad(f"f#L{i}", "", f"d: '{13 + i % 15}-02-2015' is not ISO-8601; state the order: --time-format '%d-%m-%Y'") for i in range(60)]
    stop = fail_fast(same, 14640)
    assert stop is not None and stop.records == 50
    assert stop.fix == "state the order: --time-format '%d-%m-%Y'"
    assert "the first 50 records all failed the same way" in stop.message("csv tweets.csv")
    assert reason_kind(same[0].reason) == reason_kind(same[1].reason)
    mixed = same[:49] + [Bad("f#L99", "", "score: 'x' is not a number")]
    assert fail_fast(mixed, 14640) is None
    assert fail_fast(same[:3], 3) is None  # too few records to call it a mapping error


def test_duplicate_hint_spots_spreadsheet_mangled_ids():
    hint = duplicate_hint(12206, ["5.70306E+17"])
    assert hint.startswith("12,206 records share an id with an earlier record")
    assert "--id-from text,created_at" in hint and "'5.70306E+17' look like numbers a spreadsheet rounded" in hint
    assert duplicate_hint(0, []) is None


def test_dry_run_shows_the_mapping_of_the_first_records_and_masks_emails():
    report, ok = dry_run(make_connector("csv", time_format=["%d/%m/%Y %H:%M"]), BYO / "feedback_eu.csv")
    assert ok
    assert "feedback_eu.csv: delimited text, semicolon-separated, cp1252" in report
    assert "feedback_eu.csv#L2  id fb-001  time 2026-01-03T10:15:00Z  person a***@example.fr  account -" in report
    assert "anne@example.fr" not in report
    assert "first 4 records: 4 map, 0 rejected; nothing was written" in report
    report, ok = dry_run(make_connector("csv"), BYO / "tweets.csv")
    assert not ok and "REJECTED" in report and "--time-format '%d-%m-%Y %H.%M'" in report
    assert mask_email("x") == "***"


@pytest.mark.parametrize("value, expected", [("4", 4.0), ("4.0 out of 5 stars", 4.0), ("4/5", 4.0), ("4,5", 4.5),
                                             ("★★★☆☆", 3.0), ("5 stars", 5.0), (3, 3.0), ("", None)])
def test_ratings_as_review_sites_write_them(value, expected):
    assert parse_rating(value, "rating") == expected


def test_a_rating_that_is_no_number_still_rejects_the_record():
    with pytest.raises(ValidationError, match="rating: 'great' is not a number"):
        parse_rating("great", "rating")


def test_a_column_the_map_leaves_out_is_named_with_how_to_keep_it_and_a_company_column_is_the_account(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("ticket_id,created_at,company,channel_name,message\n"
                    "T1,2026-10-01 08:00,acme bank,email,My card never arrived\n")
    connector = make_connector("csv")
    good, bad = read_all(connector, path)
    assert connector.field_map["account_id"] == "company" and not bad
    assert good[0].units[0].account_id == "acme bank"
    unused = connector.map_note.split("not used: ")[1]
    assert unused.startswith("channel_name (") and "--map KEY=COLUMN" in unused
