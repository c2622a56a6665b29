"""The command line's parts: the command table, the menu and parser, output, the settings session, doctor, watch."""

VERSION = "1.1.0"
