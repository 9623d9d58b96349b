from atocore.cli.main import run

run()
