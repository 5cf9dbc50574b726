"""繁體中文: the Traditional Chinese catalog, for Taiwan and Hong Kong. Terms follow docs/glossary.md
(用戶, 社群 as used in Taiwan)."""

MESSAGES: dict[str, str] = {}
