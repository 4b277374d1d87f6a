"""保管保护 (issue #17): the stacks and where each unit is, check-out and return of originals, condition surveys
(摸排) and damage grades, the stacks' climate, and restoration work (修复). docs/development/conservation.md."""
