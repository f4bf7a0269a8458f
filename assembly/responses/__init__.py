"""The commissioning body's response to an assembly's recommendations, and the public tracker."""
