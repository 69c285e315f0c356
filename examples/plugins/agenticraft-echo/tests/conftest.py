"""The tests load this plugin only, whatever else is installed on the machine."""

import os

os.environ["AGENTICRAFT_PLUGINS"] = "echo"
