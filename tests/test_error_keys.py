"""Errors and warnings a person can be shown carry catalog keys, so they read in the person's
language: no PulseError is made from English written in place (a literal, an f-string, a join, a
constant holding one) without a key, and no problem or warning is English text. The few that stay
English are listed below, each with the reason.

How a message gets its key: `SomeError(Said("key", file=name))`, `SomeError(Lines([Said(...), ...]))`,
a data source's `Problem(file, row, column, Said(...))`, warnings as lists of Said (errors.py)."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from errors import Lines, Listed, PulseError, Said, in_language, kept, kept_text, recalled

ROOT = Path(__file__).resolve().parent.parent
# tests, the bench and dev scripts show no one; mutants/ is `make mutate`'s copy of the code
SKIPPED_FOLDERS = {"tests", ".venv", "bench", "migrations", "scripts", "mutants"}

# (file, what) → why it may stay English. `what` is an error class or "problems" (a list of problem lines).
ENGLISH = {
    ("delivery/channels.py", "ChannelError"): (
        "a channel's secrets.toml problems, for the admin who wrote them: the CLI prints them and the "
        "background sender logs them; no page reads channels (a delivery that failed keeps its English "
        "reason as its outbox row's last error: see ('delivery/outbox.py', 'stored'))"
    ),
    ("delivery/formats.py", "ChannelError"): "the same, for an email channel without recipients",
    ("delivery/outbox.py", "stored"): (
        "a delivery's last error is the service's own answer (HTTP status, errcode and its text) or the "
        "channel's secrets.toml problem, for the admin: kept as English, as said for ChannelError"
    ),
    ("surveys/submission.py", "AnswersInvalid"): (
        "its message is for the log only; the member's page shows each question's problem through the "
        "catalog (survey.error.*) from `problems`"
    ),
}


def _python_files() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if not parts & SKIPPED_FOLDERS:
            files.append(path)
    return files


def _error_classes(trees: dict[str, ast.Module]) -> dict[str, bool]:
    """Every PulseError subclass defined in the code, and whether it has a class-level catalog key."""
    known: dict[str, bool] = {"PulseError": False}
    changed = True
    while changed:
        changed = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in known:
                    parents = [base.id for base in node.bases if isinstance(base, ast.Name)]
                    if any(parent in known for parent in parents):
                        keyed = any(
                            isinstance(item, ast.AnnAssign | ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == "key" for t in _targets(item))
                            for item in node.body
                        )
                        known[node.name] = keyed or any(known.get(parent, False) for parent in parents)
                        changed = True
    return known


def _targets(node: ast.AnnAssign | ast.Assign) -> list[ast.expr]:
    return [node.target] if isinstance(node, ast.AnnAssign) else list(node.targets)


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """A module's top-level NAME = value assignments (KEPT = Said(...), WRONG = "...")."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.value is not None:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value
    return found


def english(node: ast.expr | None, constants: dict[str, ast.expr], *, depth: int = 0) -> bool:
    """Whether `node` is English text made in place: a string, an f-string, a concatenation, a join
    or format of a string, str(...), a list of those, or a module constant holding one."""
    if node is None or depth > 3:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return english(node.left, constants, depth=depth + 1) or english(node.right, constants, depth=depth + 1)
    if isinstance(node, ast.List | ast.Tuple):
        return any(english(item, constants, depth=depth + 1) for item in node.elts)
    if isinstance(node, ast.ListComp):
        return english(node.elt, constants, depth=depth + 1)
    if isinstance(node, ast.Starred):
        return english(node.value, constants, depth=depth + 1)
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "str":
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("join", "format"):
            return isinstance(node.func.value, ast.Constant)
        return False
    if isinstance(node, ast.Name) and node.id in constants:
        return english(constants[node.id], constants, depth=depth + 1)
    return False


@dataclass(frozen=True)
class Found:
    file: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.what}"


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


# Functions that keep an error in the store for a page to show later: `error=` is a Said (or Lines
# of them), kept with its key and values (errors.kept).
KEEPERS = {"_record_end", "_failed"}
STORED = {"error": "error_said", "last_error": "last_error_said"}  # a stored error's column → its kept message


def stored_english(file: str, node: ast.Call, constants: dict[str, ast.expr]) -> str | None:
    """Why this call stores an error a page cannot say in the reader's language, or None: a keeper
    given English made in place, or a row's error column written without its kept message."""
    name = _name(node.func)
    written = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}
    if name in KEEPERS and english(written.get("error"), constants):
        return f"{name} keeps English without a key"
    if name == "values" and (file, "stored") not in ENGLISH:
        for column, said in STORED.items():
            value = written.get(column)
            unset = value is None or (isinstance(value, ast.Constant) and value.value is None)
            if not unset and said not in written:
                return f"{column} is stored without {said}"
    return None


def english_messages() -> tuple[list[Found], int]:
    """Errors made from English without a key, and problems and warnings written as English; with
    how many error constructions were looked at."""
    trees = {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8")) for path in _python_files()}
    classes = _error_classes(trees)
    found, looked = [], 0
    for file, tree in trees.items():
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            stored = stored_english(file, node, constants)
            if stored:
                found.append(Found(file, node.lineno, stored))
            if name in classes and name != "PulseError":
                looked += 1
                keyed = classes[name] or len(node.args) > 1 or any(k.arg == "key" for k in node.keywords)
                if node.args and english(node.args[0], constants) and not keyed and (file, name) not in ENGLISH:
                    found.append(Found(file, node.lineno, f"{name} made from English without a key"))
            elif name == "Problem" and len(node.args) >= 4 and english(node.args[3], constants):
                found.append(Found(file, node.lineno, "a Problem's message is English without a key"))
            elif name in ("append", "extend") and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                collection = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                said = any(word in collection for word in ("warning", "problem", "notes"))
                kind = "problems" if "problem" in collection else "warnings"
                if said and node.args and english(node.args[0], constants) and (file, kind) not in ENGLISH:
                    found.append(Found(file, node.lineno, f"{kind} get English text without a key"))
    return found, looked


def test_every_error_and_warning_a_page_can_show_has_a_catalog_key():
    found, looked = english_messages()
    assert looked > 100  # the walk found the code's errors
    assert [str(each) for each in found] == []


def test_the_walk_sees_english_where_it_is_written():
    constants = _constants(ast.parse('WRONG = "Wrong."\nKEPT = Said("error.sheets.kept")'))

    def seen(source: str) -> bool:
        return english(ast.parse(source, mode="eval").body, constants)

    assert seen('"The file is gone."') and seen('f"{name} is gone"') and seen('"a" + name')
    assert seen('", ".join(names)') and seen("str(error)") and seen("WRONG") and seen('[f"{p}." for p in ps]')
    assert not seen('Said("error.file.empty")') and not seen("KEPT") and not seen("Lines(problems)")
    assert not seen("problems") and not seen('""')


def test_the_explicit_exceptions_are_still_there():
    """An exception listed here that the code no longer has is taken off the list."""
    trees = {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8") for path in _python_files()}
    for file, what in ENGLISH:
        assert file in trees and (what in ("problems", "stored") or f"{what}(" in trees[file]), (file, what)


def test_a_said_message_is_its_english_and_speaks_other_languages():
    said = Said("error.file.missing", path="/data/会员.csv")
    assert said == "Could not read /data/会员.csv: there is no such file."
    assert said.text("zh-CN") == "无法读取 /data/会员.csv：文件不存在。"
    assert said.text("zh-TW") == "無法讀取 /data/会员.csv：檔案不存在。"  # values stay as written
    error = PulseError(said)
    assert (error.user_message, error.key, error.values) == (str(said), "error.file.missing", said.values)
    assert error.text("zh-CN") == said.text("zh-CN")
    lines = PulseError(Lines([said, Said("error.more_problems", count=3)]))
    assert lines.text("zh-CN") == "无法读取 /data/会员.csv：文件不存在。\n……另有 3 个问题。"
    assert str(lines) == "Could not read /data/会员.csv: there is no such file.\n… and 3 more problems."
    assert Listed(["a", "b"]).text("zh-CN") == "a、b" and Listed(["a", "b"]) == "a, b"


def test_values_are_quoted_and_nested_messages_speak_the_same_language():
    def quote(value: object) -> str:
        return f"<{value}>"

    inner = Said("sheets.sheet", name="'Members'")
    outer = Said("error.sheets.not_a_url", what=inner)
    assert outer.text("zh-CN", quote=quote) == "工作表 <'Members'> 不是 Google 表格网址；请提供电子表格的网址或密钥。"
    assert Said("warning.unknown_members", count=1200, examples="a, b").text("en", quote=quote) == (
        "activities: 1,200 rows name member ids that are not in members (e.g. <a, b>); metrics leave them out."
    )


def test_a_said_message_survives_pickling_with_its_key():
    import pickle

    said = Said("error.cell.not_number", cell="'x'")
    again = pickle.loads(pickle.dumps(said))
    assert (again, again.key, again.values, again.text("zh-CN")) == (said, said.key, said.values, said.text("zh-CN"))
    lines = pickle.loads(pickle.dumps(Lines([said])))
    assert lines.text("zh-CN") == said.text("zh-CN")


def test_pages_show_errors_in_the_readers_language_not_their_english():
    """No page writes an error's `user_message` or str(error) (English, for the log): they show
    error.text(current_language()) (ui.tables.error_markdown where the text is markdown)."""
    shown = []
    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "st") and _name(node.func) != "import_refused":
                continue
            for argument in ast.walk(ast.Module(body=[ast.Expr(arg) for arg in node.args], type_ignores=[])):
                english_of_error = (isinstance(argument, ast.Attribute) and argument.attr == "user_message") or (
                    isinstance(argument, ast.Call)
                    and _name(argument.func) == "str"
                    and any(isinstance(a, ast.Name) and a.id in ("error", "failed", "problem") for a in argument.args)
                )
                if english_of_error:
                    shown.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert shown == []


def test_the_walk_sees_stored_errors_without_their_keys():
    def flagged(source: str, file: str = "surveys/write_back.py") -> str | None:
        call = ast.parse(source, mode="eval").body
        assert isinstance(call, ast.Call)
        return stored_english(file, call, {})

    assert flagged('_failed(store, ids, error=f"The sheet {name} is gone.")') == "_failed keeps English without a key"
    assert (
        flagged('_record_end(store, 1, status="failed", error="It broke.")')
        == "_record_end keeps English without a key"
    )
    assert flagged('update.values(last_error="It broke.")') == "last_error is stored without last_error_said"
    assert flagged("update.values(status=s, error=message)") == "error is stored without error_said"
    assert flagged('update.values(last_error="It broke.")', "delivery/outbox.py") is None
    assert flagged('_failed(store, ids, error=Said("error.write_back.queued"))') is None
    assert flagged("update.values(error=str(message), error_said=kept(message))") is None
    assert flagged("update.values(sent_at=now, last_error=None)") is None


def test_a_kept_message_is_said_again_in_any_language_with_its_values():
    from data_sources.errors import InvalidData, Problem, Shrink, ShrinkRefused

    problem = Problem("会员.csv", 3, "joined_at", Said("error.cell.not_date", cell="'x'"))
    message = Said("error.write_back.not_taken", reason=InvalidData([problem, problem]).said())
    data = json.loads(json.dumps(kept(message)))  # as the store's JSON column gives it back
    again = recalled(data)
    assert again == message and isinstance(again, Said)
    for language in ("en", "zh-CN", "zh-TW"):
        assert in_language(again, language) == message.text(language)
    assert message.text("zh-CN") == (
        "表格未接收这些答卷：" + problem.text("zh-CN") + "\n" + problem.text("zh-CN")
    ) and "第 3 行" in problem.text("zh-CN")
    refused = ShrinkRefused([Shrink("members", 5000, 0, "members.csv")])
    assert recalled(kept(refused)).text("zh-TW") == refused.text("zh-TW")  # type: ignore[union-attr]
    listed = Listed([Said("sheets.sheet", name="A"), "b"])
    assert recalled(kept(listed)).text("zh-CN") == "工作表 A、b"  # type: ignore[union-attr]
    waiting = Said("data.write_back_waiting", count=1200, error="x")  # {count:,}: a number stays a number
    assert recalled(kept(waiting)) == "Responses waiting to be appended to the sheet: 1,200. Last error: x"


def test_a_stored_error_without_a_kept_message_shows_its_english_as_stored():
    assert kept_text(None, "The run stopped.", "zh-CN") == "The run stopped."  # a row from before
    assert kept_text({"said": "error.gone.since", "values": {}}, "It broke.", "zh-CN") == "It broke."  # key removed
    assert kept_text({"said": "error.sync.busy", "values": {"x": {"lines": 3}}}, "Busy.", "zh-CN") == "Busy."  # broken
    assert (
        kept_text(kept(Said("error.sync.busy")), "Busy.", "zh-TW") == "已有一個同步正在執行；完成後資料會自動重新整理。"
    )
    assert kept_text(None, None, "zh-CN") is None
