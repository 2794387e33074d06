"""``python -m graph_api``: the command-line interface."""

from graph_api.cli import app

if __name__ == "__main__":
    app(prog_name="graph-api")
