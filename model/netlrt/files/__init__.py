"""Writing files and report folders safely: the old result or the new, never half; nothing of the user's touched.

`atomic_write` renames a hidden temporary file onto the target (through symlinks; devices and FIFOs are written
straight to). Within `protect_inputs` (every command line run) neither it nor `publish_folder` replaces a file
read as input (`note_input`). `build_folder` and `publish_folder` build a report in a hidden folder inside the
target and move its files in, replacing only the files an earlier report's manifest lists.
`terminate_as_interrupt` makes SIGTERM unwind like Ctrl-C, so every cleanup runs on both. `csv_safe` guards CSV
cells against formula injection.
"""

from __future__ import annotations

from .folders import MANIFEST, build_folder, new_folder, publish_folder
from .interrupts import (EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, checkpoint,
                         handle_interrupt, quiet_broken_pipe, terminate_as_interrupt)
from .spreadsheet import csv_safe, csv_safe_frame
from .writing import (atomic_write, atomic_writes, check_writable, note_input, protect_inputs, refuse_inputs,
                      refuse_same_file)

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "MANIFEST", "Terminated", "atomic_write",
           "atomic_writes", "build_folder", "check_writable", "checkpoint", "csv_safe", "csv_safe_frame",
           "handle_interrupt", "new_folder", "note_input", "protect_inputs", "publish_folder", "quiet_broken_pipe",
           "refuse_inputs", "refuse_same_file", "terminate_as_interrupt"]
