"""Operations: data-dir setup, health, backup/restore, migrations of data."""
