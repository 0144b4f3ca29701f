"""Getting started: the checklist a new organisation's admins land on."""
