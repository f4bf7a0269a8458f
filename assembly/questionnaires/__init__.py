"""Research questionnaires before, during and after deliberation, their answers and analysis."""
