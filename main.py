"""WorkLead's command line: `python main.py` opens the menu, `python main.py --help` lists the subcommands.

Both are made from one table, cli/commands.py.
"""
import sys

from cli.app import main

if __name__ == "__main__":
    sys.exit(main())
