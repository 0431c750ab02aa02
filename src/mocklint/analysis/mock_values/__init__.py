"""What a mock is: kinds, children, results and configuration of the mocks
test code makes, what a ``patch()`` target names, and what tests leave behind."""
