"""Licentietelling analyse: the Excel workbook of a customer's license, downloaded or e-mailed."""
