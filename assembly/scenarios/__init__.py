"""Scenarios: complete assemblies written as data, and a simulator that plays them.

A scenario file (TOML, see ``scenarios/README.md``) describes an assembly, its topics with seed
proposals and arguments, the pool and panel for the civic lottery, a behaviour model for simulated
participants and the phase timeline.

- :mod:`assembly.scenarios.schema` defines the format and its cross-checks;
- :mod:`assembly.scenarios.loader` reads and validates files, with errors that name the file, the
  key and the line;
- :mod:`assembly.scenarios.simulation` turns a scenario and a seed into a deterministic plan of
  participants, reactions, arguments and ballots.

These modules are pure: they import neither the web layer nor the database.
"""

from assembly.scenarios.loader import ScenarioEntry, list_scenarios, load_scenario
from assembly.scenarios.schema import Scenario, ScenarioError
from assembly.scenarios.simulation import Participant, SimulationPlan, simulate

__all__ = [
    "Participant",
    "Scenario",
    "ScenarioEntry",
    "ScenarioError",
    "SimulationPlan",
    "list_scenarios",
    "load_scenario",
    "simulate",
]
