"""The command line's parts: output, the settings session, doctor, watch."""
