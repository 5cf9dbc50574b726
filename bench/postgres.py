"""Load the bench's CSV folder into PostgreSQL with COPY: the canonical tables and their indexes."""

from __future__ import annotations

from pathlib import Path

import psycopg

import schema
from engines import create_engine


def load_postgres(url: str, folder: Path) -> None:
    engine = create_engine(url)
    schema.metadata.create_all(engine)  # with the schema's indexes
    engine.dispose()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        for table in schema.metadata.sorted_tables:
            path = folder / f"{table.name}.csv"
            if not path.exists():
                continue
            with path.open("rb") as handle:
                header = handle.readline().decode("utf-8-sig").strip()
                columns = ", ".join(f'"{name.strip(chr(34))}"' for name in header.split(","))
                with (
                    connection.cursor() as cursor,
                    cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)') as copy,
                ):
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
        connection.execute("ANALYZE")
